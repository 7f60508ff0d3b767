//! Secrets and escapes: collections never take `.env`, SSH keys or files
//! reached through a link out of the root, and list each as skipped; every
//! known kind of secret is redacted from every render format, from `--json`
//! output and from exported snapshot bundles.

use crate::common::{Env, paths};

/// One secret of each kind the redactor knows, assembled at run time so no
/// scanner mistakes this file for a leak. Each pair is the line and the
/// fragment of it that must never reach output.
fn secrets() -> Vec<(&'static str, String, String)> {
    let key_material = "MIIEpAIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB";
    let github = format!("ghp_{}", "abcdefghijklmnopqrstuvwxyz0123456789");
    let gitlab = format!("glpat-{}", "xYz12_3-AbCdEfGhIjKlMn");
    let slack = format!("xoxb-{}", "1234567890-0987654321-AbCdEfGhIjKl");
    let jwt = format!(
        "eyJhbGciOiJIUzI1NiJ9.{}.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "eyJzdWIiOiIxMjM0NTY3ODkwIn0"
    );
    let aws_id = format!("AKIA{}", "IOSFODNN7EXAMPLE");
    let aws_secret = format!("wJalrXUtnFEMI/K7MDENG/{}", "bPxRfiCYEXAMPLEKEY");
    vec![
        (
            "private_key",
            format!(
                "-----BEGIN RSA {k}-----\n{key_material}\naFDrBz9vFqU4yV2Ke+3YJrn8CgYEA7Zy8v3Vn1kz9sd0xSECRET0pS3yb9m4xAe\n-----END RSA {k}-----",
                k = "PRIVATE KEY"
            ),
            key_material.to_owned(),
        ),
        ("aws_access_key", format!("aws_id {aws_id} here"), aws_id),
        (
            "aws_secret_key",
            format!("aws_secret_access_key = {aws_secret}"),
            aws_secret,
        ),
        ("github_token", format!("gh {github}"), github),
        ("gitlab_token", format!("gl {gitlab}"), gitlab),
        ("slack_token", format!("slack {slack} ok"), slack),
        ("jwt", format!("jwt {jwt}"), jwt),
        (
            "bearer",
            "Authorization: Bearer abcdef0123456789ABCDEF+/=".into(),
            "abcdef0123456789ABCDEF".into(),
        ),
        (
            "assignment",
            "password = \"correct-horse-battery\"".into(),
            "correct-horse-battery".into(),
        ),
    ]
}

/// A secret that is only in a note: the note's spec holds it too.
fn note_secret() -> (String, String) {
    let token = format!("ghp_{}", "NOTEabcdefghijklmnopqrstuvwxyz012345");
    (format!("text:deploy with {token} please"), token)
}

/// A project whose pack holds a file with every kind of secret, and a note
/// with one in its own text.
fn project() -> (Env, Vec<String>) {
    let env = Env::new();
    let secrets = secrets();
    let file: String = secrets
        .iter()
        .map(|(_, line, _)| format!("{line}\n"))
        .collect();
    env.write("config.txt", format!("{file}fn token(x: u32) {{}}\n"));
    let (note, note_token) = note_secret();
    env.ok(&["pack", "create", "p"]);
    env.ok(&["pack", "add", "p", "config.txt"]);
    env.ok(&["pack", "add", "p", &note]);
    let mut leaks: Vec<String> = secrets.into_iter().map(|(_, _, leak)| leak).collect();
    leaks.push(note_token);
    (env, leaks)
}

fn assert_no_leak(what: &str, text: &str, leaks: &[String]) {
    for leak in leaks {
        assert!(
            !text.contains(leak.as_str()),
            "{what} leaks {leak}:\n{text}"
        );
    }
}

#[test]
fn every_kind_of_secret_is_redacted_from_every_format_and_json() {
    let (env, leaks) = project();
    let kinds: Vec<&str> = secrets().iter().map(|(kind, _, _)| *kind).collect();
    for format in ["markdown", "xml", "plain", "json"] {
        for frozen in [false, true] {
            let mut args = vec!["render", "p", "--format", format];
            if frozen {
                args.push("--frozen");
            }
            let plain = env.ok(&args);
            assert_no_leak(&format!("{args:?}"), &plain.stdout, &leaks);
            assert_no_leak(&format!("{args:?} stderr"), &plain.stderr, &leaks);
            args.extend(["--json", "--payload"]);
            let json = env.ok(&args);
            assert_no_leak(&format!("{args:?}"), &json.stdout, &leaks);
            let doc = json.json();
            for kind in &kinds {
                assert!(
                    doc["redactions"][kind].as_u64() >= Some(1),
                    "{format}: no {kind} redacted: {}",
                    doc["redactions"]
                );
                assert!(
                    doc["payload"]
                        .as_str()
                        .expect("payload")
                        .contains(&format!("[REDACTED:{kind}]")),
                    "{format}: no {kind} marker"
                );
            }
        }
    }
    // Left out for the budget, the note's spec is still listed: redacted.
    // The tightest budget is the frame's own size, which the error for a
    // smaller one names.
    let refused = env.run(&["render", "p", "--tokens", "5", "--format", "json"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    let frame = refused
        .stderr
        .split_once("json frame (")
        .and_then(|(_, rest)| rest.split_once(' '))
        .map(|(n, _)| n.to_owned())
        .expect("the frame's size");
    let tight = env.ok(&[
        "render",
        "p",
        "--tokens",
        &frame,
        "--format",
        "json",
        "--json",
        "--payload",
    ]);
    assert_no_leak("an over-budget render", &tight.stdout, &leaks);
    assert!(
        !tight.json()["excluded"]
            .as_array()
            .expect("excluded")
            .is_empty(),
        "the budget left something out"
    );
}

#[test]
fn snapshots_and_their_bundles_hold_no_secret() {
    let (env, leaks) = project();
    for format in ["markdown", "json"] {
        let created = env
            .ok(&["snapshot", "create", "p", "--format", format, "--json"])
            .json();
        let id = created["id"].as_str().expect("id").to_owned();
        for args in [
            &["snapshot", "render", &id][..],
            &["snapshot", "render", &id, "--json"],
            &["snapshot", "show", &id],
            &["snapshot", "show", &id, "--json"],
        ] {
            assert_no_leak(&format!("{args:?}"), &env.ok(args).stdout, &leaks);
        }
        env.ok(&["snapshot", "export", &id, "b.ctx"]);
        let bundle = std::fs::read(env.path("b.ctx")).expect("bundle");
        for leak in &leaks {
            assert!(
                !bundle.windows(leak.len()).any(|w| w == leak.as_bytes()),
                "the {format} bundle holds {leak}"
            );
        }
        // Also with the tightest budget, where the note is only listed.
        let tight = env
            .ok(&["snapshot", "create", "p", "--tokens", "5", "--json"])
            .json();
        let tight_id = tight["id"].as_str().expect("id").to_owned();
        env.ok(&["snapshot", "export", &tight_id, "t.ctx"]);
        let bundle = std::fs::read(env.path("t.ctx")).expect("bundle");
        let text = String::from_utf8_lossy(&bundle);
        assert_no_leak("an over-budget bundle", &text, &leaks);
    }
}

/// The project every collection case walks: secrets by name, links out of
/// the root (to a file and to a folder) and links that stay inside.
fn secret_tree() -> (Env, tempfile::TempDir) {
    let env = Env::new();
    env.write("README.md", "# Read me\n");
    env.write("src/main.rs", "fn main() {}\n");
    env.write(".env", "KEY=1\n");
    env.write("config/.env.production", "KEY=2\n");
    env.write("id_rsa", "not really a key\n");
    env.write("home/.ssh/id_rsa.pub", "ssh-rsa AAAA\n");
    env.write("certs/server.pem", "pem\n");
    env.write("docs/guide.md", "# Guide\n");
    env.write("docs/.env.md", "# env notes\n");
    env.write("docs/id_rsa.md", "# about keys\n");
    env.write("docs/secrets/plan.md", "# plan\n");
    let outside = tempfile::tempdir().expect("outside");
    std::fs::write(outside.path().join("o.md"), "# Outside\n").expect("write");
    std::fs::create_dir(outside.path().join("dir")).expect("mkdir");
    std::fs::write(outside.path().join("dir/x.md"), "# Far\n").expect("write");
    let link = |target: &std::path::Path, at: &str| {
        std::os::unix::fs::symlink(target, env.path(at)).expect("symlink");
    };
    link(&outside.path().join("o.md"), "docs/outside.md");
    link(&outside.path().join("o.md"), "src/outside.rs");
    link(&outside.path().join("dir"), "docs/far.md");
    link(&outside.path().join("dir"), "far");
    link(&env.path("docs/guide.md"), "docs/inside.md");
    // Innocent names for secret files: judged by what they point to.
    link(&env.path(".env"), "notes.txt");
    link(&env.path("id_rsa"), "docs/keys.md");
    (env, outside)
}

fn skipped(added: &serde_json::Value) -> Vec<(String, String)> {
    added["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|s| {
            (
                s["path"].as_str().expect("path").to_owned(),
                s["reason"].as_str().expect("reason").to_owned(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(p, r)| ((*p).to_owned(), (*r).to_owned()))
        .collect()
}

#[test]
fn collections_take_no_secret_file_and_no_escape_and_list_each() {
    let (env, _outside) = secret_tree();
    env.ok(&["pack", "create", "p"]);
    let added = env.ok(&["pack", "add", "p", "glob:**/*", "--json"]).json();
    assert_eq!(
        paths(&added["files"]),
        [
            "README.md",
            "docs/guide.md",
            "docs/inside.md",
            "src/main.rs"
        ]
    );
    assert_eq!(
        skipped(&added),
        pairs(&[
            (".env", "sensitive"),
            ("certs/server.pem", "sensitive"),
            ("config/.env.production", "sensitive"),
            ("docs/.env.md", "sensitive"),
            ("docs/far.md", "outside_root"),
            ("docs/id_rsa.md", "sensitive"),
            ("docs/keys.md", "sensitive"),
            ("docs/outside.md", "outside_root"),
            ("docs/secrets/plan.md", "sensitive"),
            ("far", "outside_root"),
            ("home/.ssh/id_rsa.pub", "sensitive"),
            ("id_rsa", "sensitive"),
            ("notes.txt", "sensitive"),
            ("src/outside.rs", "outside_root"),
        ])
    );
    let added = env
        .ok(&["pack", "add", "p", "md_dir:docs", "--recursive", "--json"])
        .json();
    assert_eq!(paths(&added["files"]), ["docs/guide.md", "docs/inside.md"]);
    assert_eq!(
        skipped(&added),
        pairs(&[
            ("docs/.env.md", "sensitive"),
            ("docs/far.md", "outside_root"),
            ("docs/id_rsa.md", "sensitive"),
            ("docs/keys.md", "sensitive"),
            ("docs/outside.md", "outside_root"),
            ("docs/secrets/plan.md", "sensitive"),
        ])
    );
    // Named directly, a link to a secret file is refused like the file.
    for link in ["notes.txt", "docs/keys.md"] {
        let run = env.run(&["pack", "add", "p", link]);
        assert_eq!(run.code, 1, "{link}: {}", run.stderr);
        assert!(
            run.stderr.contains("looks sensitive"),
            "{link}: {}",
            run.stderr
        );
    }
    // Rendering walks again: still nothing outside or secret, and the
    // human summary lists what was left out.
    let render = env.ok(&["render", "p"]);
    for never in ["KEY=", "Outside", "Far", "not really a key", "ssh-rsa"] {
        assert!(!render.stdout.contains(never), "render holds {never}");
    }
}

#[test]
fn a_glob_that_leaves_the_root_is_refused_before_any_walk() {
    let (env, _outside) = secret_tree();
    env.ok(&["pack", "create", "p"]);
    // `glob:/**/*` walked the whole disk before this was refused.
    for pattern in [
        "glob:/**/*",
        "glob:/etc/*",
        "glob:../*",
        "glob:src/../../**/*.md",
    ] {
        let run = env.run(&["pack", "add", "p", pattern]);
        assert_eq!(run.code, 2, "{pattern}: {}", run.stderr);
        assert!(
            run.stderr.contains("leaves the pack root"),
            "{pattern}: {}",
            run.stderr
        );
    }
    assert_eq!(env.event_count(), 1);
}
