//! The pack root holds at every read, not only at `pack add`: a file, a line
//! range, a markdown folder, a glob's folder or the pack root itself
//! replaced by a link out of the root after it was added is left out as
//! `outside_root` by live renders, snapshots and bundles; a glob whose
//! fixed leading folder is such a link is refused at add; and a file
//! swapped for a link between the walk and the read is never followed. A
//! markdown folder that is gone falls back to its capture, as a glob does.
//! Links inside the root that stay inside keep working, and an artifact
//! added with `--allow-outside-root` keeps its permission.

use std::os::unix::fs::symlink;
use std::path::Path;

use crate::common::Env;
use crate::support::soak;

/// What must never reach output from outside the root.
const OUTSIDE: [&str; 4] = ["OUTSIDE-DIARY", "OUTSIDE-MD", "OUTSIDE-RS", "OUTSIDE-ROOT"];

/// A folder outside the project holding a diary and a folder of files.
fn outside() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("outside");
    std::fs::write(
        dir.path().join("diary.txt"),
        "OUTSIDE-DIARY line 1\nOUTSIDE-DIARY line 2\n",
    )
    .expect("write");
    std::fs::create_dir(dir.path().join("dir")).expect("mkdir");
    std::fs::write(dir.path().join("dir/d.md"), "# OUTSIDE-MD\n").expect("write");
    std::fs::write(dir.path().join("dir/x.rs"), "// OUTSIDE-RS\n").expect("write");
    std::fs::write(dir.path().join("dir/a.txt"), "OUTSIDE-ROOT\n").expect("write");
    std::fs::write(dir.path().join("allowed.txt"), "ALLOWED-THEN\n").expect("write");
    std::fs::write(dir.path().join("allowed2.txt"), "ALLOWED-NOW\n").expect("write");
    dir
}

/// Replaces the file or folder at `at` by a link to `target`.
fn swap_for_link(env: &Env, at: &str, target: &Path) {
    let path = env.path(at);
    if path.is_dir() {
        std::fs::remove_dir_all(&path).expect("remove folder");
    } else {
        std::fs::remove_file(&path).expect("remove file");
    }
    symlink(target, &path).expect("symlink");
}

/// Every `(path or source, reason)` a render's `--json` summary left out.
fn excluded(summary: &serde_json::Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = summary["excluded"]
        .as_array()
        .expect("excluded")
        .iter()
        .map(|e| {
            let what = e["path"].as_str().or(e["source"].as_str()).expect("what");
            (
                what.to_owned(),
                e["reason"].as_str().expect("reason").to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

fn assert_no_escape(what: &str, text: &str) {
    for never in OUTSIDE {
        assert!(!text.contains(never), "{what} holds {never}:\n{text}");
    }
}

#[test]
fn sources_swapped_for_links_out_of_the_root_are_left_out_at_every_read() {
    let env = Env::new();
    let out = outside();
    env.write("a.txt", "inside a\n");
    env.write("r.txt", "inside r 1\ninside r 2\ninside r 3\n");
    env.write("docs/guide.md", "# Guide\n");
    env.write("src/lib/x.rs", "// inside x\n");
    // Links inside the root that stay inside: legitimate, kept.
    env.write("real/notes.txt", "REAL-NOTES\n");
    env.write("real/docs/r.md", "# REAL-MD\n");
    env.write("real/code/y.rs", "// REAL-RS\n");
    symlink(env.path("real/notes.txt"), env.path("alias.txt")).expect("symlink");
    symlink("real/docs", env.path("docs2")).expect("symlink");
    symlink("real/code", env.path("code")).expect("symlink");
    symlink(out.path().join("allowed.txt"), env.path("allowed.txt")).expect("symlink");
    env.ok(&["pack", "create", "p"]);
    for spec in [
        "a.txt",
        "r.txt#L1-L2",
        "md_dir:docs",
        "glob:src/lib/*.rs",
        "alias.txt",
        "md_dir:docs2",
        "glob:code/*.rs",
    ] {
        env.ok(&["pack", "add", "p", spec]);
    }
    env.ok(&["pack", "add", "p", "allowed.txt", "--allow-outside-root"]);

    swap_for_link(&env, "a.txt", &out.path().join("diary.txt"));
    swap_for_link(&env, "r.txt", &out.path().join("diary.txt"));
    swap_for_link(&env, "docs", &out.path().join("dir"));
    swap_for_link(&env, "src/lib", &out.path().join("dir"));
    swap_for_link(&env, "allowed.txt", &out.path().join("allowed2.txt"));

    for strict in [false, true] {
        let mut args = vec!["render", "p", "--json", "--payload"];
        if strict {
            args.push("--strict");
        }
        let summary = env.ok(&args).json();
        let payload = summary["payload"].as_str().expect("payload");
        assert_no_escape(&format!("{args:?}"), payload);
        for kept in ["REAL-NOTES", "REAL-MD", "REAL-RS", "ALLOWED-NOW"] {
            assert!(payload.contains(kept), "{args:?} lost {kept}:\n{payload}");
        }
        assert_eq!(
            excluded(&summary),
            [
                ("a.txt".to_owned(), "outside_root".to_owned()),
                ("docs".into(), "outside_root".into()),
                ("glob:src/lib/*.rs".into(), "outside_root".into()),
                ("r.txt".into(), "outside_root".into()),
            ],
            "{args:?}"
        );
    }
    // Snapshots are renders: nothing from outside is frozen, or exported.
    let created = env.ok(&["snapshot", "create", "p", "--json"]).json();
    let id = created["id"].as_str().expect("id").to_owned();
    assert_no_escape(
        "snapshot render",
        &env.ok(&["snapshot", "render", &id]).stdout,
    );
    env.ok(&["snapshot", "export", &id, "b.ctx"]);
    let bundle = std::fs::read(env.path("b.ctx")).expect("bundle");
    assert_no_escape("the bundle", &String::from_utf8_lossy(&bundle));
    env.ok(&["fsck"]);
}

#[test]
fn a_pack_root_that_became_a_link_is_left_out() {
    let env = Env::new();
    let out = outside();
    env.write("sub/a.txt", "inside a\n");
    env.write("sub/docs/g.md", "# inside g\n");
    env.ok(&["pack", "create", "p", "--root", "sub"]);
    env.ok(&["pack", "add", "p", "sub/a.txt"]);
    env.ok(&["pack", "add", "p", "glob:**/*.md"]);
    std::fs::rename(env.path("sub"), env.path("sub-was")).expect("move the root away");
    symlink(out.path().join("dir"), env.path("sub")).expect("symlink");
    let summary = env.ok(&["render", "p", "--json", "--payload"]).json();
    assert_no_escape("render", summary["payload"].as_str().expect("payload"));
    assert_eq!(
        excluded(&summary),
        [
            ("a.txt".to_owned(), "outside_root".to_owned()),
            ("glob:**/*.md".into(), "outside_root".into()),
        ]
    );
}

#[test]
fn a_glob_whose_leading_folder_links_out_of_the_root_is_refused_at_add() {
    let env = Env::new();
    let out = outside();
    env.write("docs/guide.md", "# Guide\n");
    symlink(out.path().join("dir"), env.path("far")).expect("symlink");
    symlink(out.path().join("dir"), env.path("docs/far")).expect("symlink");
    env.ok(&["pack", "create", "p"]);
    for spec in [
        "glob:far/*",
        "glob:far/**/*.md",
        "glob:docs/far/*.rs",
        "md_dir:far",
    ] {
        let run = env.run(&["pack", "add", "p", spec]);
        assert_eq!(run.code, 1, "{spec}: {}", run.stderr);
        assert!(
            run.stderr.contains("outside the pack root"),
            "{spec}: {}",
            run.stderr
        );
    }
    assert_eq!(env.event_count(), 1, "a refused add wrote an event");
    // With the flag, the folder may be read.
    let added = env
        .ok(&[
            "pack",
            "add",
            "p",
            "glob:far/*.md",
            "--allow-outside-root",
            "--json",
        ])
        .json();
    assert_eq!(crate::common::paths(&added["files"]), ["far/d.md"]);
}

/// Renders and adds while another thread keeps swapping a file for a link
/// out of the root and back: not one of them may read the outside file.
#[test]
fn a_file_swapped_for_a_link_between_walk_and_read_is_never_followed() {
    let env = Env::new();
    let out = outside();
    let inside = "inside race\n";
    env.write("race.txt", inside);
    env.write("calm.txt", "calm\n");
    env.ok(&["pack", "create", "p"]);
    env.ok(&["pack", "add", "p", "race.txt"]);
    env.ok(&["pack", "add", "p", "glob:*.txt"]);
    let path = env.path("race.txt");
    let (as_file, as_link) = (env.path("race.file"), env.path("race.link"));
    let diary = out.path().join("diary.txt");
    let stop = std::sync::atomic::AtomicBool::new(false);
    let mut escapes = Vec::new();
    let mut runs = 0;
    std::thread::scope(|scope| {
        scope.spawn(|| {
            // Each swap is a rename, so `race.txt` always exists: as the
            // file, or as a link to the diary.
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let _ = std::fs::remove_file(&as_link);
                symlink(&diary, &as_link).expect("symlink");
                std::fs::rename(&as_link, &path).expect("swap in the link");
                std::fs::write(&as_file, inside).expect("write");
                std::fs::rename(&as_file, &path).expect("swap in the file");
            }
        });
        for i in 0..15 * soak() {
            let render = env.ok(&["render", "p", "--json", "--payload"]);
            runs += 1;
            if render.stdout.contains("OUTSIDE") {
                escapes.push(format!("render {i}"));
            }
            let pack = format!("a{i}");
            env.ok(&["pack", "create", &pack]);
            for spec in ["race.txt", "glob:*.txt"] {
                // Refused or added; never the diary.
                let _ = env.run(&["pack", "add", &pack, spec]);
            }
            let frozen = env.ok(&["render", &pack, "--frozen"]);
            runs += 1;
            if frozen.stdout.contains("OUTSIDE") {
                escapes.push(format!("pack add {i}"));
            }
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    assert!(
        escapes.is_empty(),
        "{} of {runs} read outside: {escapes:?}",
        escapes.len()
    );
    env.ok(&["fsck"]);
}

#[test]
fn a_markdown_folder_that_is_gone_renders_from_its_capture_like_a_glob() {
    let env = Env::new();
    env.write("docs/guide.md", "# CAPTURED-MD\n");
    env.write("src/a.rs", "// CAPTURED-RS\n");
    env.ok(&["pack", "create", "p"]);
    env.ok(&["pack", "add", "p", "md_dir:docs"]);
    env.ok(&["pack", "add", "p", "glob:src/*.rs"]);
    std::fs::remove_dir_all(env.path("docs")).expect("remove docs");
    std::fs::remove_dir_all(env.path("src")).expect("remove src");
    let summary = env.ok(&["render", "p", "--json", "--payload"]).json();
    let payload = summary["payload"].as_str().expect("payload");
    for captured in ["CAPTURED-MD", "CAPTURED-RS"] {
        assert!(payload.contains(captured), "{captured} lost:\n{payload}");
    }
    assert_eq!(excluded(&summary), []);
    let warnings = summary["warnings"].to_string();
    for spec in ["docs", "src/*.rs"] {
        assert!(
            warnings.contains(spec) && warnings.contains("using the content captured"),
            "{spec}: {warnings}"
        );
    }
    let strict = env.run(&["render", "p", "--strict", "--json"]);
    assert_eq!(strict.code, 3, "{}", strict.stderr);
    let strict = strict.json();
    assert_eq!(
        excluded(&strict),
        [
            ("docs".to_owned(), "missing".to_owned()),
            ("glob:src/*.rs".into(), "missing".into()),
        ]
    );
}
