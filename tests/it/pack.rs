//! The pack commands, driven the way a user would: the acceptance script,
//! with every human and JSON output pinned.

use crate::common::{Env, paths};

/// A small project with code, docs in nested folders, a secret, an ignored
/// folder and a binary file.
fn project() -> Env {
    let env = Env::new();
    env.write(
        "src/main.rs",
        "fn main() {\n    println!(\"hello\");\n}\n\nfn helper() -> u32 {\n    42\n}\n",
    );
    env.write("src/lib.rs", "pub mod util;\n");
    env.write(
        "src/util.rs",
        "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n",
    );
    env.write("docs/guide.md", "# Guide\n\nRun `ctx render`.\n");
    env.write("docs/deep/notes.md", "# Notes\n\nNested.\n");
    env.write("docs/image.png", b"\x89PNG\r\n\x1a\n\0\0\0");
    env.write(".env", "TOKEN=abc\n");
    env.write(".gitignore", "target/\n");
    env.write("target/debug/out.rs", "// build output\n");
    env
}

#[test]
fn acceptance_script() {
    let env = project();
    let mut transcript = String::new();
    for args in [
        &["pack", "create", "demo", "--tokens", "2000"][..],
        &["pack", "list"],
        &["pack", "add", "demo", "src/main.rs"],
        &[
            "pack",
            "add",
            "demo",
            "src/main.rs#L5-L7",
            "--priority",
            "5",
        ],
        &["pack", "add", "demo", "md_dir:docs", "--recursive"],
        &["pack", "add", "demo", "glob:**/*.rs"],
        &["pack", "add", "demo", "text:Answer in British English."],
        &["pack", "show", "demo"],
        &["pack", "list"],
    ] {
        transcript.push_str(&env.snap(args));
        transcript.push('\n');
    }
    insta::assert_snapshot!("acceptance_human", transcript);

    // Remove by exact spec and by id prefix.
    let show = env.ok(&["pack", "show", "demo", "--json"]).json();
    let items = show["artifacts"].as_array().expect("artifacts");
    let note_id = items
        .iter()
        .find(|i| i["spec"] == "text:Answer in British English.")
        .and_then(|i| i["id"].as_str())
        .expect("note id")
        .to_owned();
    let mut transcript = env.snap(&["pack", "remove", "demo", "src/main.rs#L5-L7"]);
    transcript.push_str(&env.snap(&["pack", "remove", "demo", &note_id[..6]]));
    transcript.push_str(&env.snap(&["pack", "show", "demo"]));
    insta::assert_snapshot!("acceptance_remove", transcript);
}

#[test]
fn acceptance_script_json() {
    let env = project();
    let mut transcript = String::new();
    for args in [
        &["pack", "create", "demo", "--tokens", "2000", "--json"][..],
        &["pack", "add", "demo", "src/util.rs", "--json"],
        &[
            "pack",
            "add",
            "demo",
            "glob:src/*.rs",
            "--exclude",
            "util.rs",
            "--json",
        ],
        &["pack", "add", "demo", "md_dir:docs", "--json"],
        &["pack", "add", "demo", "text:a note", "--json"],
        &["pack", "list", "--json"],
        &["pack", "show", "demo", "--json"],
        &["pack", "remove", "demo", "text:a note", "--json"],
        &["pack", "set", "demo", "--tokens", "500", "--json"],
        &["pack", "rename", "demo", "demo2", "--json"],
        &["pack", "delete", "demo2", "--json"],
        &["pack", "list", "--json"],
    ] {
        transcript.push_str(&env.snap(args));
        transcript.push('\n');
    }
    insta::assert_snapshot!("acceptance_json", transcript);
}

#[test]
fn collections_skip_and_list_what_they_leave_out() {
    let env = project();
    env.ok(&["pack", "create", "p"]);
    let added = env.ok(&["pack", "add", "p", "glob:**/*", "--json"]).json();
    let files = paths(&added["files"]);
    assert_eq!(
        files,
        [
            ".gitignore",
            "docs/deep/notes.md",
            "docs/guide.md",
            "src/lib.rs",
            "src/main.rs",
            "src/util.rs"
        ]
    );
    let skipped: Vec<(String, String)> = added["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|s| {
            (
                s["path"].as_str().expect("p").into(),
                s["reason"].as_str().expect("r").into(),
            )
        })
        .collect();
    assert_eq!(
        skipped,
        [
            (".env".to_owned(), "sensitive".to_owned()),
            ("docs/image.png".into(), "binary".into()),
            ("target/".into(), "ignored".into()),
        ]
    );

    // --no-ignore brings ignored files back; md_dir without --recursive stays shallow.
    let added = env
        .ok(&[
            "pack",
            "add",
            "p",
            "glob:target/**",
            "--no-ignore",
            "--json",
        ])
        .json();
    assert_eq!(added["files"][0]["path"], "target/debug/out.rs");
    let added = env
        .ok(&["pack", "add", "p", "md_dir:docs", "--json"])
        .json();
    assert_eq!(added["files"].as_array().expect("files").len(), 1);
}

#[test]
fn collections_respect_nested_gitignore_and_negation() {
    let env = Env::new();
    env.write("a.rs", "a\n");
    env.write("keep.rs", "k\n");
    env.write("drop.rs", "d\n");
    env.write(".gitignore", "*.rs\n!keep.rs\n");
    env.write("sub/.gitignore", "*\n");
    env.write("sub/x.txt", "x\n");
    env.write("other/y.txt", "y\n");
    env.ok(&["pack", "create", "p"]);
    let added = env.ok(&["pack", "add", "p", "glob:**/*", "--json"]).json();
    let files = paths(&added["files"]);
    // `*` in sub/.gitignore hides sub/ itself but not its siblings.
    assert_eq!(files, [".gitignore", "keep.rs", "other/y.txt"]);
}

#[test]
fn a_subfolder_pack_respects_its_parents_gitignore() {
    let env = Env::new();
    env.write(".gitignore", "*.log\n");
    env.write("app/run.log", "noise\n");
    env.write("app/main.rs", "fn main() {}\n");
    env.ok(&["pack", "create", "p", "--root", "app"]);
    let added = env.ok(&["pack", "add", "p", "glob:*", "--json"]).json();
    assert_eq!(added["files"].as_array().expect("files").len(), 1);
    assert_eq!(added["files"][0]["path"], "main.rs");
    assert_eq!(added["skipped"][0]["path"], "run.log");
}

#[test]
fn paths_are_stored_relative_to_the_root_whatever_the_current_folder() {
    let env = project();
    env.ok(&["pack", "create", "p"]);
    let mut cmd = env.command(&["pack", "add", "p", "./main.rs", "--json"]);
    cmd.current_dir(env.path("src"));
    let json = env.ok_cmd(cmd).json();
    assert_eq!(json["spec"], "src/main.rs");
    // The same file named another way is the same spec: nothing changes.
    let again = env.run(&["pack", "add", "p", "src/../src/main.rs"]);
    assert_eq!(
        (again.code, again.stderr.as_str()),
        (
            0,
            "Nothing changed. `src/main.rs` is in `p` already (id dbd23897).\n"
        )
    );
}

#[test]
fn empty_files_and_invalid_utf8() {
    let env = Env::new();
    env.write("empty.txt", "");
    env.write("latin1.txt", b"caf\xe9\n");
    env.ok(&["pack", "create", "p"]);
    let added = env.ok(&["pack", "add", "p", "empty.txt", "--json"]).json();
    assert_eq!(
        (added["bytes"].as_u64(), added["tokens"].as_u64()),
        (Some(0), Some(0))
    );
    let run = env.ok(&["pack", "add", "p", "latin1.txt"]);
    let mut lines = run.stderr.lines();
    assert_eq!(
        lines.next(),
        Some("warning: `latin1.txt` is not valid UTF-8; invalid bytes were replaced with U+FFFD")
    );
    assert!(
        lines
            .next()
            .is_some_and(|l| l.starts_with("Added `latin1.txt`")),
        "{}",
        run.stderr
    );
}

#[test]
fn git_diff_captures_the_real_git_output() {
    let env = Env::new();
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .args(args)
            .current_dir(env.project.path())
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@t")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@t")
            .output()
            .expect("git runs");
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
    };
    git(&["init", "-q"]);
    env.write("a.txt", "one\n");
    git(&["add", "a.txt"]);
    git(&["commit", "-qm", "first"]);
    env.write("a.txt", "one\ntwo\n");
    env.ok(&["pack", "create", "p"]);
    let added = env.ok(&["pack", "add", "p", "git:diff", "--json"]).json();
    assert!(added["bytes"].as_u64().expect("bytes") > 0);
    let shown = env.ok(&["pack", "show", "p"]).stdout;
    assert!(shown.contains("git:diff"), "{shown}");

    let bad = env.run(&["pack", "add", "p", "git:diff --base=no-such-rev"]);
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    assert!(bad.stderr.contains("`git diff` failed"), "{}", bad.stderr);
}

/// An id prefix of fewer than 4 hex digits names no id: `pack remove p 1`
/// must not remove whichever artifact happens to start with `1`.
#[test]
fn a_prefix_of_fewer_than_four_digits_is_refused() {
    let env = Env::new();
    env.write("a.txt", "alpha\n");
    env.ok(&["pack", "create", "p"]);
    let added = env.ok(&["pack", "add", "p", "a.txt", "--json"]).json();
    let id = added["id"].as_str().expect("id").to_owned();
    let events = env.event_count();
    for short in [&id[..1], &id[..3]] {
        let run = env.run(&["pack", "remove", "p", short]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains("at least 4"), "{}", run.stderr);
        let run = env.run(&["snapshot", "show", short]);
        assert_eq!(run.code, 2, "{}", run.stderr);
    }
    assert_eq!(env.event_count(), events);
    env.ok(&["pack", "remove", "p", &id[..4]]);
}

/// Adding a spec the pack holds already changes nothing and says which
/// artifact holds it (the JSON carries its id); asked with other options,
/// it is refused, since they would silently not apply.
#[test]
fn adding_a_spec_again_names_the_artifact_or_refuses_other_options() {
    let env = Env::new();
    env.write("src/main.rs", "fn main() {}\n");
    env.ok(&["pack", "create", "p"]);
    let id = env
        .ok(&[
            "pack",
            "add",
            "p",
            "src/main.rs",
            "--priority",
            "10",
            "--json",
        ])
        .json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let again = env.ok(&["pack", "add", "p", "src/main.rs", "--priority", "10"]);
    assert_eq!(
        again.stderr,
        format!(
            "Nothing changed. `src/main.rs` is in `p` already (id {}).\n",
            &id[..8]
        )
    );
    let json = env
        .ok(&[
            "pack",
            "add",
            "p",
            "src/main.rs",
            "--priority",
            "10",
            "--json",
        ])
        .json();
    assert_eq!(
        (&json["changed"], &json["existing"], &json["id"]),
        (&false.into(), &true.into(), &id.as_str().into()),
        "{json}"
    );
    let events = env.event_count();
    let other = env.run(&["pack", "add", "p", "src/main.rs", "--priority", "15"]);
    assert_eq!(other.code, 4, "{}", other.stderr);
    assert!(
        other
            .stderr
            .contains("with priority 10 (asked: 15); adding it again changes nothing"),
        "{}",
        other.stderr
    );
    assert!(
        other
            .stderr
            .contains(&format!("`ctx pack set p {} --priority 15`", &id[..8])),
        "{}",
        other.stderr
    );
    assert_eq!(env.event_count(), events);
    // Other options are set with `pack set` too.
    let options = env.run(&["pack", "add", "p", "src/main.rs", "--max-files", "3"]);
    assert_eq!(options.code, 4, "{}", options.stderr);
    assert!(
        options
            .stderr
            .contains(&format!("`ctx pack set p {}` with them", &id[..8])),
        "{}",
        options.stderr
    );
}

/// The priorities of pack `p`'s artifacts, by spec, in render order.
fn priorities(env: &Env) -> Vec<(String, i64)> {
    let json = env.ok(&["pack", "show", "p", "--json"]).json();
    json["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            let spec = i["spec"].as_str().expect("spec").to_owned();
            (spec, i["priority"].as_i64().expect("priority"))
        })
        .collect()
}

/// `pack set PACK ARTIFACT --priority N`: one event, nothing when the
/// same, undone and redone like any change.
#[test]
fn set_priority_changes_one_artifact_and_undo_reverses_it() {
    let env = Env::new();
    env.write("src/a.rs", "fn a() {}\n");
    env.write("src/b.rs", "fn b() {}\n");
    env.ok(&["pack", "create", "p"]);
    env.ok(&["pack", "add", "p", "src/a.rs", "src/b.rs"]);
    let b = |n| ("src/b.rs".to_owned(), n);
    let a = |n| ("src/a.rs".to_owned(), n);
    assert_eq!(priorities(&env), [a(0), b(0)]);
    let events = env.event_count();
    let set = env.ok(&["pack", "set", "p", "src/b.rs", "--priority", "15"]);
    assert!(
        set.stderr
            .starts_with("Set the priority of `src/b.rs` (id "),
        "{}",
        set.stderr
    );
    assert!(
        set.stderr.ends_with(") in `p` to 15 (was 0).\n"),
        "{}",
        set.stderr
    );
    assert_eq!(priorities(&env), [b(15), a(0)]);
    assert_eq!(env.event_count(), events + 1);
    let same = env.ok(&["pack", "set", "p", "src/b.rs", "--priority", "15", "--json"]);
    assert_eq!(same.json(), serde_json::json!({"changed": false}));
    assert_eq!(env.event_count(), events + 1);
    let log = env.ok(&["log", "p", "--json"]).json();
    let last = &log["events"][0];
    assert_eq!(last["kind"], "priority_changed", "{log}");
    assert_eq!(
        last["what"], "set the priority of src/b.rs 0 -> 15",
        "{log}"
    );
    assert_eq!(
        (&last["from"], &last["to"]),
        (&0.into(), &15.into()),
        "{log}"
    );
    env.ok(&["undo"]);
    assert_eq!(priorities(&env), [a(0), b(0)]);
    env.ok(&["redo"]);
    assert_eq!(priorities(&env), [b(15), a(0)]);
    // A removal restored by undo comes back with the priority it had.
    env.ok(&["pack", "remove", "p", "src/b.rs"]);
    env.ok(&["undo"]);
    assert_eq!(priorities(&env), [b(15), a(0)]);
    // The artifact needs `--priority`, and a pack setting takes no artifact.
    assert_eq!(env.run(&["pack", "set", "p", "src/b.rs"]).code, 2);
    assert_eq!(
        env.run(&["pack", "set", "p", "src/b.rs", "--tokens", "9"])
            .code,
        2
    );
}

/// `pack refresh`: each artifact whose source changed is captured again,
/// one event each in one transaction; frozen renders then read the new
/// content, and undo brings the old back.
#[test]
fn refresh_recaptures_what_changed_on_disk() {
    let env = Env::new();
    env.write("src/a.rs", "fn old() {}\n");
    env.write("src/b.rs", "fn b() {}\n");
    env.write("docs/x.md", "# X\n");
    env.ok(&["pack", "create", "p"]);
    env.ok(&[
        "pack",
        "add",
        "p",
        "src/a.rs",
        "src/b.rs",
        "glob:docs/*.md",
        "text:a note",
    ]);
    let frozen = || env.ok(&["render", "p", "--frozen"]).stdout;
    let nothing = env.ok(&["pack", "refresh", "p"]);
    assert_eq!(
        nothing.stderr,
        "Nothing changed. 4 artifacts of `p` read as captured.\n"
    );
    let events = env.event_count();
    env.write("src/a.rs", "fn new() {}\n");
    env.write("docs/y.md", "# Y\n");
    assert!(frozen().contains("fn old()"));
    let refreshed = env.ok(&["pack", "refresh", "p", "--json"]).json();
    assert_eq!(refreshed["changed"], true, "{refreshed}");
    assert_eq!(refreshed["checked"], 4, "{refreshed}");
    let specs: Vec<&str> = refreshed["refreshed"]
        .as_array()
        .expect("refreshed")
        .iter()
        .map(|r| r["spec"].as_str().expect("spec"))
        .collect();
    assert_eq!(specs, ["src/a.rs", "glob:docs/*.md"], "{refreshed}");
    assert_eq!(env.event_count(), events + 2);
    let render = frozen();
    assert!(
        render.contains("fn new()") && !render.contains("fn old()"),
        "{render}"
    );
    assert!(render.contains("# Y"), "{render}");
    let log = env.ok(&["log", "p", "--kind", "artifact_refreshed"]).stdout;
    assert!(log.contains("refreshed src/a.rs ("), "{log}");
    // Only the artifacts named are read again.
    env.write("src/a.rs", "fn newer() {}\n");
    env.write("src/b.rs", "fn b2() {}\n");
    let one = env.ok(&["pack", "refresh", "p", "src/b.rs"]);
    assert!(
        one.stderr.starts_with("Refreshed `src/b.rs` in `p`: "),
        "{}",
        one.stderr
    );
    assert!(frozen().contains("fn new()"));
    env.ok(&["undo"]);
    assert!(frozen().contains("fn b()"));
    env.ok(&["undo"]);
    env.ok(&["undo"]);
    let render = frozen();
    assert!(
        render.contains("fn old()") && !render.contains("# Y"),
        "{render}"
    );
    // Redo brings back the last refresh undone: that of `src/a.rs`.
    env.ok(&["redo"]);
    let render = frozen();
    assert!(
        render.contains("fn new()") && !render.contains("# Y"),
        "{render}"
    );
    let snapshot = env
        .ok(&["snapshot", "create", "p", "--frozen", "--json"])
        .json();
    assert_eq!(snapshot["changed"], true, "{snapshot}");
}

/// `pack set PACK ARTIFACT` with collection options reads the source again
/// under them: one event for options and content, undone and redone
/// together; a file is not a collection.
#[test]
fn set_options_captures_the_collection_again() {
    let env = Env::new();
    env.write("src/a.rs", "fn a() {}\n");
    env.write("tests/t.rs", "fn t() {}\n");
    env.write("docs/x.md", "# X\n");
    env.write("docs/deep/y.md", "# Y\n");
    env.ok(&["pack", "create", "p"]);
    env.ok(&[
        "pack",
        "add",
        "p",
        "glob:**/*.rs",
        "md_dir:docs",
        "src/a.rs",
    ]);
    let files = |spec: &str| {
        let json = env.ok(&["pack", "show", "p", "--json"]).json();
        let artifact = json["artifacts"]
            .as_array()
            .expect("artifacts")
            .iter()
            .find(|a| a["spec"] == spec)
            .cloned()
            .expect("the artifact");
        let paths: Vec<String> = artifact["files"]
            .as_array()
            .expect("files")
            .iter()
            .map(|f| f["path"].as_str().expect("path").to_owned())
            .collect();
        (paths, artifact["options"].clone())
    };
    assert_eq!(files("glob:**/*.rs").0, ["src/a.rs", "tests/t.rs"]);
    let events = env.event_count();

    let set = env.ok(&["pack", "set", "p", "glob:**/*.rs", "--exclude", "tests/**"]);
    assert!(
        set.stderr
            .starts_with("Set the options of `glob:**/*.rs` (id ")
            && set.stderr.contains(": exclude tests/**. It holds 1 file, "),
        "{}",
        set.stderr
    );
    let (paths, options) = files("glob:**/*.rs");
    assert_eq!(paths, ["src/a.rs"]);
    assert_eq!(options["exclude"], serde_json::json!(["tests/**"]));
    assert_eq!(env.event_count(), events + 1);
    let again = env.ok(&["pack", "set", "p", "glob:**/*.rs", "--exclude", "tests/**"]);
    assert_eq!(again.stderr, "Nothing changed.\n");
    assert_eq!(env.event_count(), events + 1);
    let show = env.ok(&["pack", "show", "p"]).stdout;
    assert!(
        show.contains("glob:**/*.rs (1 file; exclude tests/**)"),
        "{show}"
    );
    let log = env.ok(&["log", "p", "--kind", "options_changed"]).stdout;
    assert!(
        log.contains("set the options of glob:**/*.rs (exclude tests/**; "),
        "{log}"
    );
    assert!(
        !env.ok(&["render", "p", "--frozen"])
            .stdout
            .contains("fn t()")
    );

    // Several options change in one event; md_dir: takes subfolders.
    let deeper = env
        .ok(&[
            "pack",
            "set",
            "p",
            "md_dir:docs",
            "--recursive",
            "--max-files",
            "10",
            "--json",
        ])
        .json();
    assert_eq!(deeper["changed"], true, "{deeper}");
    assert_eq!(deeper["options"]["recursive"], true, "{deeper}");
    assert_eq!(deeper["from"]["recursive"], false, "{deeper}");
    assert_eq!(files("md_dir:docs").0, ["docs/deep/y.md", "docs/x.md"]);

    // Undo puts options and content back together; redo brings both again.
    env.ok(&["undo"]);
    let (paths, options) = files("md_dir:docs");
    assert_eq!(
        (paths, options["recursive"].clone()),
        (vec!["docs/x.md".to_owned()], false.into())
    );
    env.ok(&["redo"]);
    assert_eq!(files("md_dir:docs").0, ["docs/deep/y.md", "docs/x.md"]);
    env.ok(&["pack", "set", "p", "glob:**/*.rs", "--no-exclude"]);
    assert_eq!(files("glob:**/*.rs").0, ["src/a.rs", "tests/t.rs"]);

    // A file takes only the options a file has.
    let file = env.run(&["pack", "set", "p", "src/a.rs", "--exclude", "x"]);
    assert_eq!(file.code, 2, "{}", file.stderr);
    assert!(
        file.stderr.starts_with(
            "error: `--exclude` applies to collections (glob:, md_dir:, a folder), and `src/a.rs` in pack `p` is not one\n"
        ),
        "{}",
        file.stderr
    );
    let small = env.run(&["pack", "set", "p", "src/a.rs", "--max-file-bytes", "3"]);
    assert_ne!(small.code, 0, "{}", small.stderr);
    assert!(
        small.stderr.contains("over the limit of 3 bytes"),
        "{}",
        small.stderr
    );
    let both = env.run(&[
        "pack",
        "set",
        "p",
        "src/a.rs",
        "--priority",
        "2",
        "--max-file-bytes",
        "99",
    ]);
    assert_eq!(both.code, 2, "{}", both.stderr);
    assert!(
        both.stderr.starts_with("error: one setting at a time\n"),
        "{}",
        both.stderr
    );
    let none = env.run(&["pack", "set", "p", "src/a.rs"]);
    assert_eq!(none.code, 2, "{}", none.stderr);
    assert!(
        none.stderr.starts_with("error: nothing to set\n"),
        "{}",
        none.stderr
    );

    // Re-adding with other options names `pack set`.
    let readd = env.run(&["pack", "add", "p", "glob:**/*.rs", "--exclude", "docs/**"]);
    assert!(
        readd.stderr.contains("`ctx pack set p "),
        "{}",
        readd.stderr
    );
}

/// `pack set PACK --root DIR` moves a pack: paths stay as they are,
/// relative to the new root, which is stored canonical; undo moves it back.
#[test]
fn set_root_moves_a_pack() {
    let env = Env::new();
    env.write("src/a.rs", "fn here() {}\n");
    env.write("moved/src/a.rs", "fn there() {}\n");
    env.ok(&["pack", "create", "p"]);
    env.ok(&["pack", "add", "p", "src/a.rs"]);
    let root = || {
        let json = env.ok(&["pack", "show", "p", "--json"]).json();
        json["root"].as_str().expect("root").to_owned()
    };
    let here = root();
    let set = env
        .ok(&["pack", "set", "p", "--root", "./moved/../moved", "--json"])
        .json();
    let there = "[PROJECT]/moved";
    assert_eq!(
        (&set["root"], &set["from"]),
        (&there.into(), &"[PROJECT]".into()),
        "{set}"
    );
    assert_eq!(root(), there);
    let same = env.ok(&["pack", "set", "p", "--root", "moved"]);
    assert!(
        same.stderr.starts_with("Nothing changed."),
        "{}",
        same.stderr
    );
    assert!(env.ok(&["render", "p"]).stdout.contains("fn there()"));
    assert!(
        env.ok(&["render", "p", "--frozen"])
            .stdout
            .contains("fn here()")
    );
    let log = env.ok(&["log", "p", "--kind", "pack_root_changed"]).stdout;
    assert!(
        log.contains("moved the root [PROJECT] -> [PROJECT]/moved"),
        "{log}"
    );
    assert_eq!(env.run(&["pack", "set", "p", "--root", "nowhere"]).code, 3);
    env.ok(&["undo"]);
    assert_eq!(root(), here);
    assert!(env.ok(&["render", "p"]).stdout.contains("fn here()"));
}

/// `pack add PACK SOURCE...`: each source is one event, all in one
/// transaction; one that fails leaves the pack as it was.
#[test]
fn several_sources_are_added_in_one_transaction() {
    let env = Env::new();
    env.write("a.rs", "fn a() {}\n");
    env.write("b.rs", "fn b() {}\n");
    env.ok(&["pack", "create", "p"]);
    let events = env.event_count();
    let failed = env.run(&["pack", "add", "p", "a.rs", "missing.rs", "b.rs"]);
    assert_eq!(failed.code, 3, "{}", failed.stderr);
    assert_eq!(env.event_count(), events, "nothing was written");
    let added = env
        .ok(&[
            "pack",
            "add",
            "p",
            "a.rs",
            "b.rs",
            "--priority",
            "3",
            "--json",
        ])
        .json();
    assert_eq!(added["changed"], true, "{added}");
    let specs: Vec<(&str, i64)> = added["added"]
        .as_array()
        .expect("added")
        .iter()
        .map(|a| {
            (
                a["spec"].as_str().expect("spec"),
                a["priority"].as_i64().expect("priority"),
            )
        })
        .collect();
    assert_eq!(specs, [("a.rs", 3), ("b.rs", 3)]);
    assert_eq!(env.event_count(), events + 2, "one event per source");
    let log = env.ok(&["log", "-n", "2"]).stdout;
    assert!(
        log.contains("added a.rs") && log.contains("added b.rs"),
        "{log}"
    );
}

#[test]
fn short_forms_of_budgets_formats_and_commands() {
    let env = Env::new();
    env.ok(&["pack", "create", "p", "--tokens", "32k"]);
    env.ok(&["pack", "add", "p", "text:hello"]);
    let listed = env.ok(&["pack", "ls", "--json"]).json();
    assert_eq!(listed["packs"][0]["budget"], 32_000, "{listed}");
    env.ok(&["pack", "set", "p", "--tokens", "128K"]);
    let shown = env.ok(&["pack", "show", "p", "--json"]).json();
    assert_eq!(shown["budget"], 128_000, "{shown}");
    let rendered = env
        .ok(&["render", "p", "--format", "md", "--tokens", "1k", "--json"])
        .json();
    assert_eq!(rendered["format"], "markdown");
    assert_eq!(rendered["budget"], 1000);
    for bad in ["k", "0k", "1.5k", "99999999999999999999k"] {
        let run = env.run(&["pack", "set", "p", "--tokens", bad]);
        assert_eq!(run.code, 2, "{bad}: {}", run.stderr);
    }
    let id = env.ok(&["snapshot", "create", "p", "--json"]).json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert!(env.ok(&["snapshot", "ls"]).stdout.contains(&id[..8]));
    env.ok(&["snapshot", "rm", &id]);
    env.ok(&["pack", "rm", "p", "text:hello"]);
    assert_eq!(
        env.ok(&["pack", "show", "p", "--json"]).json()["artifacts"],
        serde_json::json!([])
    );
}

#[test]
fn counts_of_one_are_singular() {
    let env = Env::new();
    let mut transcript = String::new();
    for args in [
        &["pack", "create", "p", "--tokens", "1"][..],
        &["pack", "add", "p", "text:x"],
        &["pack", "set", "p", "--tokens", "2"],
        &["pack", "show", "p"],
        &["render", "p", "--tokens", "1", "-o", "out.md"],
        &["log", "-n", "2"],
    ] {
        transcript.push_str(&env.snap(args));
    }
    insta::assert_snapshot!(transcript);
}

#[test]
fn show_gives_what_a_render_costs_and_says_when_it_is_over_budget() {
    let env = Env::new();
    env.write("a.rs", "fn a() {}\n");
    env.ok(&["pack", "create", "p", "--tokens", "20"]);
    env.ok(&["pack", "add", "p", "a.rs"]);
    env.ok(&["pack", "add", "p", "text:Be brief."]);
    let shown = env.ok(&["pack", "show", "p", "--json"]).json();
    let rendered = env
        .ok(&["render", "p", "--frozen", "--tokens", "1000", "--json"])
        .json();
    // An estimate from captured counts and exact frames: within a token
    // or two per item of what the render counts.
    let (framed, exact) = (
        shown["framed_tokens"].as_u64().expect("framed"),
        rendered["tokens"].as_u64().expect("tokens"),
    );
    assert!(framed.abs_diff(exact) <= 4, "{framed} against {exact}");
    assert!(shown["framed_tokens"].as_u64() > shown["tokens"].as_u64());
    assert_eq!(shown["over_budget"], true);
    let header: Vec<String> = env
        .ok(&["pack", "show", "p"])
        .stdout
        .lines()
        .take(2)
        .map(str::to_owned)
        .collect();
    insta::assert_snapshot!(header.join("\n"), @r"
    pack p: 7 of 20 tokens (35.0%), 2 artifacts, o200k, root [PROJECT]
    framed: about 23 tokens in a render (115.0% of the budget): over budget, so a render leaves items out
    ");
    env.ok(&["pack", "set", "p", "--tokens", "1000"]);
    let shown = env.ok(&["pack", "show", "p", "--json"]).json();
    assert_eq!(shown["over_budget"], false);
}

#[test]
fn long_notes_take_one_line_in_tables_and_notes_are_told_apart() {
    let env = Env::new();
    let long = format!("text:{}", "Answer in French, and keep it short. ".repeat(4));
    let lines = "text:First line of a note\nand its second line";
    env.ok(&["pack", "create", "p"]);
    env.ok(&["pack", "add", "p", &long]);
    env.ok(&["pack", "add", "p", lines]);
    env.ok(&["pack", "add", "p", "text:Be brief."]);
    let id = env.ok(&["snapshot", "create", "p", "--json"]).json()["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let mut transcript = String::new();
    for args in [
        &["pack", "show", "p"][..],
        &["pack", "show", "p", "--tokens"],
        &["render", "p", "-o", "out.md"],
        &["snapshot", "show", &id],
        &["log", "-n", "3"],
    ] {
        transcript.push_str(&env.snap(args));
    }
    insta::assert_snapshot!(transcript);
    // The whole note stays in the JSON.
    let shown = env.ok(&["pack", "show", "p", "--json"]).json();
    assert_eq!(shown["artifacts"][0]["spec"], long.as_str());
    let log = env.ok(&["log", "--json"]).json();
    let events = log["events"].as_array().expect("events");
    assert!(
        events
            .iter()
            .any(|e| e["what"].as_str().expect("what").contains(&long)),
        "{log}"
    );
}

/// The pack root: `pack create` says which folder it chose, inside a git
/// repository its top level (found on disk, no git command runs); a path
/// that is not there names where it was looked for and the root; and a
/// render whose root is gone says so once.
#[test]
fn the_pack_root_is_said_and_defaults_to_the_repository_top() {
    let env = Env::new();
    std::fs::create_dir_all(env.path(".git")).expect(".git");
    env.write("src/deep/a.rs", "fn a() {}\n");
    env.write("src/deep/b.rs", "fn b() {}\n");
    let root = env.root();
    let mut cmd = env.command(&["pack", "create", "p", "--json"]);
    cmd.current_dir(env.path("src/deep"));
    let created = env.ok_cmd(cmd);
    assert_eq!(created.json()["pack"]["root"], "[PROJECT]");
    let mut cmd = env.command(&["pack", "create", "q", "--root", "."]);
    cmd.current_dir(env.path("src/deep"));
    let here = env.ok_cmd(cmd);
    assert!(
        here.stderr
            .contains("paths are relative to `[PROJECT]/src/deep`"),
        "{}",
        here.stderr
    );
    // A relative path is taken from the current folder.
    let mut cmd = env.command(&["pack", "add", "p", "src/deep/a.rs"]);
    cmd.current_dir(env.path("src/deep"));
    let output = cmd.output().expect("ctx runs");
    let stderr = env.scrub(&String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(
            "looked for `[PROJECT]/src/deep/src/deep/a.rs` (the pack's root is `[PROJECT]`)"
        ),
        "{stderr}"
    );
    env.ok(&["pack", "add", "p", "src/deep/a.rs", "src/deep/b.rs"]);
    // The whole project goes: one warning, not one per file.
    let moved = tempfile::tempdir().expect("elsewhere");
    let rendered = {
        let mut cmd = env.command(&["render", "p", "-o", "/dev/null"]);
        cmd.current_dir(moved.path());
        std::fs::rename(&root, moved.path().join("gone")).expect("move the project");
        let output = cmd.output().expect("ctx runs");
        std::fs::rename(moved.path().join("gone"), &root).expect("move it back");
        output
    };
    let stderr = env.scrub(&String::from_utf8_lossy(&rendered.stderr));
    assert_eq!(rendered.status.code(), Some(0), "{stderr}");
    assert_eq!(stderr.matches("warning:").count(), 1, "{stderr}");
    assert!(
        stderr.contains(
            "warning: the root `[PROJECT]` of pack `p` is gone; its sources are rendered from the content captured when they were added"
        ),
        "{stderr}"
    );
}

/// `pack show --json` lists the artifacts under `artifacts`, counts them
/// under `artifact_count`, and keeps the list under `items`, its former
/// key, for one release.
#[test]
fn pack_show_json_lists_artifacts_and_keeps_items() {
    let env = Env::new();
    env.write("a.rs", "fn a() {}\n");
    env.ok(&["pack", "create", "p"]);
    env.ok(&["pack", "add", "p", "a.rs", "text:a note"]);
    let shown = env.ok(&["pack", "show", "p", "--json"]).json();
    let artifacts = shown["artifacts"].as_array().expect("an array");
    let specs: Vec<&str> = artifacts
        .iter()
        .map(|a| a["spec"].as_str().expect("spec"))
        .collect();
    assert_eq!(specs, ["a.rs", "text:a note"], "{shown}");
    assert_eq!(shown["artifact_count"], 2);
    assert_eq!(shown["items"], shown["artifacts"]);
    let listed = env.ok(&["pack", "list", "--json"]).json();
    assert_eq!(
        listed["packs"][0]["artifacts"], 2,
        "`pack list` keeps its count"
    );
}

/// A folder, typed bare (`src`, `src/`) or as `dir:src`, is the collection
/// of its text files, gitignore-aware, shown as `src/`; collection options
/// apply to it as to a glob.
#[test]
fn a_folder_is_a_collection_of_its_text_files() {
    let env = project();
    env.ok(&["pack", "create", "p"]);
    let added = env.ok(&["pack", "add", "p", "docs", "--json"]).json();
    assert_eq!(added["spec"], "docs/");
    assert_eq!(
        paths(&added["files"]),
        ["docs/deep/notes.md", "docs/guide.md"]
    );
    assert_eq!(added["skipped"][0]["path"], "docs/image.png");
    assert_eq!(added["skipped"][0]["reason"], "binary");
    // Every way of naming the folder is the same artifact.
    for typed in ["docs/", "dir:docs", "./docs"] {
        let again = env.ok(&["pack", "add", "p", typed, "--json"]).json();
        assert_eq!(again["changed"], false, "{typed}");
    }
    let mut cmd = env.command(&["pack", "add", "p", ".", "--json"]);
    cmd.current_dir(env.path("docs"));
    assert_eq!(env.ok_cmd(cmd).json()["changed"], false);
    // The whole tree, minus what .gitignore hides and what looks secret.
    let added = env
        .ok(&["pack", "add", "p", "./", "--exclude", "*.md", "--json"])
        .json();
    assert_eq!(added["spec"], "./");
    assert_eq!(
        paths(&added["files"]),
        [".gitignore", "src/lib.rs", "src/main.rs", "src/util.rs"]
    );
    let shown = env.ok(&["pack", "show", "p"]).stdout;
    assert!(shown.contains("  docs/ (2 files, 1 skipped)\n"), "{shown}");
    assert!(shown.contains("  ./ ("), "{shown}");
    let log = env.ok(&["log", "-n", "1"]).stdout;
    assert!(log.contains("added ./ (4 files"), "{log}");
    let rendered = env.ok(&["render", "p"]).stdout;
    assert!(rendered.contains("## docs/guide.md"), "{rendered}");

    // --max-files and --no-ignore work on a folder as on a glob.
    env.ok(&["pack", "create", "q"]);
    let run = env.run(&["pack", "add", "q", "dir:src", "--max-files", "2"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("`src/` matches 3 files, over the limit of 2"),
        "{}",
        run.stderr
    );
    let added = env
        .ok(&["pack", "add", "q", "target", "--no-ignore", "--json"])
        .json();
    assert_eq!(paths(&added["files"]), ["target/debug/out.rs"]);
    // `file:` still means a file.
    let run = env.run(&["pack", "add", "q", "file:src"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("hint: add the folder's text files with `src/`")
    );
}

/// `pack create NAME SOURCE...` writes the pack and its artifacts in one
/// transaction: the pack's event, then one per source in order; a source
/// that fails leaves no pack behind.
#[test]
fn pack_create_with_sources_fills_the_pack_in_one_go() {
    let env = project();
    let created = env
        .ok(&[
            "pack",
            "create",
            "demo",
            "src",
            "docs/guide.md",
            "text:read me first",
            "--tokens",
            "4k",
            "--priority",
            "3",
            "--exclude",
            "util.rs",
            "--json",
        ])
        .json();
    assert_eq!(created["changed"], true);
    assert_eq!(created["seq"], 1);
    assert_eq!(created["pack"]["budget"], 4000);
    let added: Vec<(&str, u64)> = created["added"]
        .as_array()
        .expect("added")
        .iter()
        .map(|a| {
            (
                a["spec"].as_str().expect("spec"),
                a["seq"].as_u64().expect("seq"),
            )
        })
        .collect();
    assert_eq!(
        added,
        [("src/", 2), ("docs/guide.md", 3), ("text:read me first", 4)]
    );
    assert_eq!(
        paths(&created["added"][0]["files"]),
        ["src/lib.rs", "src/main.rs"]
    );
    let log = env.ok(&["log", "--json"]).json();
    let kinds: Vec<&str> = log["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(
        kinds,
        [
            "artifact_added",
            "artifact_added",
            "artifact_added",
            "pack_created"
        ]
    );
    let shown = env.ok(&["pack", "show", "demo", "--json"]).json();
    let priorities: Vec<i64> = shown["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .map(|a| a["priority"].as_i64().expect("priority"))
        .collect();
    assert_eq!(priorities, [3, 3, 3]);

    // The human form says what it created and what it added.
    let run = env.ok(&["pack", "create", "two", "text:a", "src/lib.rs"]);
    assert!(
        run.stderr.starts_with("Created pack `two`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("Added `src/lib.rs` to `two`"),
        "{}",
        run.stderr
    );

    // One bad source: nothing is written, not even the pack.
    let before = env.event_count();
    let run = env.run(&["pack", "create", "three", "text:a", "missing.rs"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(env.event_count(), before);
    assert_eq!(env.run(&["pack", "show", "three"]).code, 3);
    // A name taken is refused before any source is read.
    let run = env.run(&["pack", "create", "demo", "missing.rs"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert_eq!(env.event_count(), before);
}

/// A collection is read, counted and stored a batch of files at a time;
/// one of many batches captures every file once, in path order, and what
/// it stored reproduces.
#[test]
fn a_collection_of_many_batches_is_captured_whole() {
    let env = Env::new();
    for i in 0..600 {
        env.write(
            &format!("src/m{i:03}.rs"),
            format!("pub fn f{i}() -> u32 {{ {i} }}\n"),
        );
    }
    env.ok(&["pack", "create", "p"]);
    let added = env
        .ok(&["pack", "add", "p", "glob:src/*.rs", "--json"])
        .json();
    let files = added["files"].as_array().expect("files");
    assert_eq!(files.len(), 600);
    let paths: Vec<&str> = files
        .iter()
        .map(|f| f["path"].as_str().expect("path"))
        .collect();
    let mut sorted = paths.clone();
    sorted.sort_unstable();
    assert_eq!(paths, sorted);
    let frozen = env.ok(&["render", "p", "--frozen"]).stdout;
    assert_eq!(env.ok(&["render", "p"]).stdout, frozen);
    assert!(
        frozen.contains("pub fn f0() -> u32 { 0 }")
            && frozen.contains("pub fn f599() -> u32 { 599 }")
    );
    env.ok(&["fsck"]);
}
