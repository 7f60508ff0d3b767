//! Every bad input named by the issue: one clear error line (plus a hint),
//! its documented exit code, and nothing written to the log.

use crate::common::Env;

/// Runs a failing command and checks its exit code and that no event was
/// written; returns stderr for a snapshot.
fn refused(env: &Env, args: &[&str], code: i32) -> String {
    let before = env.event_count();
    let run = env.run(args);
    assert_eq!(run.code, code, "ctx {args:?}: {}", run.stderr);
    assert!(
        run.stdout.is_empty(),
        "ctx {args:?} printed to stdout: {}",
        run.stdout
    );
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert_eq!(env.event_count(), before, "ctx {args:?} wrote an event");
    format!("$ ctx {}\nexit: {code}\n{}", args.join(" "), run.stderr)
}

#[test]
fn bad_input_is_refused_with_its_exit_code() {
    let env = Env::new();
    env.write("a.rs", "line 1\nline 2\nline 3\n");
    env.write("dir/inner.rs", "x\n");
    env.write(".env.local", "KEY=1\n");
    env.write("certs/server.pem", "-----BEGIN CERTIFICATE-----\n");
    env.write("blob.bin", b"\x00\x01\x02binary");
    env.write("big.txt", "x".repeat(2048));
    let outside = tempfile::tempdir().expect("outside");
    std::fs::write(outside.path().join("o.txt"), "outside\n").expect("write");
    std::os::unix::fs::symlink(outside.path().join("o.txt"), env.path("link.txt"))
        .expect("symlink");
    let outside_file = outside.path().join("o.txt");
    let outside_file = outside_file.to_str().expect("utf-8");
    env.ok(&["pack", "create", "p"]);

    let mut transcript = String::new();
    for (args, code) in [
        (&["pack", "show", "nope"][..], 3),
        (&["pack", "add", "nope", "a.rs"], 3),
        (&["pack", "create", "p"], 4),
        (&["pack", "create", "bad name"], 2),
        (&["pack", "create", "-x"], 2),
        (&["pack", "add", "p", "missing.rs"], 3),
        (&["pack", "add", "p", "file:dir"], 1),
        (&["pack", "add", "p", "a.rs#L2-L9"], 1),
        (&["pack", "add", "p", "a.rs#L0"], 2),
        (&["pack", "add", "p", "a.rs#L3-L1"], 2),
        (&["pack", "add", "p", "a.rs#Lx"], 2),
        (&["pack", "add", "p", "foo:bar"], 2),
        (&["pack", "add", "p", "text:"], 2),
        (&["pack", "add", "p", "glob:"], 2),
        (&["pack", "add", "p", "glob:**/*.nothing"], 3),
        (&["pack", "add", "p", "glob:src/[oops"], 2),
        (&["pack", "add", "p", ".env.local"], 1),
        (&["pack", "add", "p", "certs/server.pem"], 1),
        (&["pack", "add", "p", "blob.bin"], 1),
        (
            &["pack", "add", "p", "big.txt", "--max-file-bytes", "1024"],
            1,
        ),
        (&["pack", "add", "p", outside_file], 1),
        (&["pack", "add", "p", "link.txt"], 1),
        (&["pack", "remove", "p", "zzzz"], 3),
        (&["pack", "rename", "p", "a/b"], 2),
        (&["pack", "set", "p"], 2),
        (&["pack", "set", "p", "--tokens", "0"], 2),
        (&["pack", "create", "q", "--tokens", "-5"], 2),
        (&["pack", "create", "q", "--root", "no/such/dir"], 3),
    ] {
        transcript.push_str(
            &env.scrub(&refused(&env, args, code))
                .replace(outside_file, "[OUTSIDE]/o.txt"),
        );
        transcript.push('\n');
    }
    insta::assert_snapshot!(transcript);
}

#[test]
fn overrides_let_refused_files_in() {
    let env = Env::new();
    env.write(".env", "KEY=1\n");
    env.write("big.txt", "x".repeat(2048));
    let outside = tempfile::tempdir().expect("outside");
    std::fs::write(outside.path().join("o.txt"), "outside\n").expect("write");
    std::os::unix::fs::symlink(outside.path().join("o.txt"), env.path("link.txt"))
        .expect("symlink");
    env.ok(&["pack", "create", "p"]);
    env.ok(&["pack", "add", "p", ".env", "--allow-sensitive"]);
    env.ok(&["pack", "add", "p", "big.txt", "--max-file-bytes", "4096"]);
    let added = env
        .ok(&[
            "pack",
            "add",
            "p",
            "link.txt",
            "--allow-outside-root",
            "--json",
        ])
        .json();
    assert_eq!(added["spec"], "link.txt");
    assert_eq!(env.event_count(), 4);
}

#[test]
fn a_fifo_named_as_a_file_is_refused_without_hanging() {
    let env = Env::new();
    let fifo = env.path("pipe");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(status.success());
    env.ok(&["pack", "create", "p"]);
    let run = env.run(&["pack", "add", "p", "pipe"]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr, "error: `pipe` is not a regular file\n");
}

#[test]
fn a_file_that_is_not_a_store_is_refused() {
    let env = Env::new();
    std::fs::write(
        env.home.path().join("ctx.redb"),
        "not a database, just text\n".repeat(200),
    )
    .expect("write");
    let run = env.run(&["pack", "list"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("is not a ctx database"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hint: "), "{}", run.stderr);
}

#[test]
fn a_closed_stdout_is_not_an_error() {
    let env = Env::new();
    env.ok(&["pack", "create", "p"]);
    for i in 0..50 {
        env.ok(&["pack", "add", "p", &format!("text:note {i}")]);
    }
    env.assert_closed_stdout_is_quiet(&["log"]);
}

#[test]
fn a_held_database_is_busy_after_the_wait() {
    let env = Env::new();
    env.ok(&["pack", "create", "p"]);
    let held = ctx_store::Store::open(&env.home.path().join("ctx.redb"), std::time::Duration::ZERO)
        .expect("the test holds the store");
    let start = std::time::Instant::now();
    let run = env.run(&["pack", "add", "p", "text:x", "--wait", "0.3"]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(start.elapsed() >= std::time::Duration::from_millis(300));
    insta::assert_snapshot!(run.stderr, @r"
    error: the database `[HOME]/ctx.redb` is in use by another ctx process (waited 0.3s)
    hint: another ctx command is using the database; run this again, or wait longer with `--wait SECS`
    ");
    drop(held);
    env.ok(&["pack", "add", "p", "text:x"]);
}

#[test]
fn common_mistakes_get_a_hint() {
    let env = Env::new();
    env.write("src/a.rs", "a\nb\nc\n");
    env.write("docs/howto/deploy.md", "# Deploy\n");
    env.ok(&["pack", "create", "p"]);
    let mut transcript = String::new();
    for (args, code) in [
        (&["pack", "add", "p", "src/a.rs#1-2"][..], 3),
        (&["pack", "add", "p", "src/a.rs:1-2"], 3),
        (&["pack", "add", "p", "src/a.rs:2"], 3),
        (&["pack", "add", "p", "Makefile:10-20"], 2),
        (&["pack", "add", "p", "src/*.rs"], 3),
        (&["pack", "add", "p", "md_dir:docs"], 3),
    ] {
        transcript.push_str(&refused(&env, args, code));
        transcript.push('\n');
    }
    insta::assert_snapshot!(transcript);
    env.ok(&["pack", "add", "p", "md_dir:docs", "--recursive"]);
}

#[test]
fn an_unknown_pack_near_a_known_one_is_suggested() {
    let env = Env::new();
    env.ok(&["pack", "create", "demo"]);
    env.ok(&["pack", "create", "backend"]);
    let mut transcript = String::new();
    for args in [
        &["render", "dmeo"][..],
        &["pack", "show", "Demo"],
        &["pack", "add", "bakend", "text:x"],
        &["log", "frontend"],
        &["render", "dmeo", "--at", "1"],
        &["snapshot", "diff", "dmeo", "backend"],
    ] {
        transcript.push_str(&refused(&env, args, 3));
        transcript.push('\n');
    }
    insta::assert_snapshot!(transcript);
}

#[test]
fn reading_a_store_that_does_not_exist_creates_nothing() {
    let env = Env::new();
    let home = env.home.path().join("not/yet");
    let home = home.to_str().expect("utf-8");
    for (args, code) in [
        (&["pack", "list"][..], 0),
        (&["pack", "show", "p"], 3),
        (&["log", "--json"], 0),
        (&["snapshot", "list"], 0),
        (&["snapshot", "show", "abcd"], 3),
        (&["render", "p"], 3),
        (&["fsck"], 0),
        (&["gc", "--dry-run"], 0),
    ] {
        let mut full = vec!["--home", home];
        full.extend_from_slice(args);
        let run = env.run(&full);
        assert_eq!(run.code, code, "{args:?}: {}", run.stderr);
        assert!(
            !env.home.path().join("not").exists(),
            "{args:?} created the home"
        );
    }
    let mut full = vec!["--home", home];
    full.extend_from_slice(&["pack", "create", "p"]);
    env.ok(&full);
    assert!(env.home.path().join("not/yet/ctx.redb").is_file());
}

/// Runs a command that fails with `--json` and returns its error
/// document, checking it is the only thing on stdout and that stderr
/// still holds the human block.
fn json_error(env: &Env, args: &[&str], code: i32) -> serde_json::Value {
    let run = env.run(args);
    assert_eq!(run.code, code, "ctx {args:?}: {}", run.stderr);
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    let doc = run.json();
    let error = doc["error"].as_object().expect("an `error` object");
    let keys: Vec<&str> = error.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["causes", "exit_code", "hint", "kind", "message"],
        "{doc}"
    );
    assert_eq!(doc["error"]["exit_code"], code, "{doc}");
    let message = doc["error"]["message"].as_str().expect("message");
    assert!(
        run.stderr.contains(message),
        "stderr lacks the message {message:?}: {}",
        run.stderr
    );
    doc
}

#[test]
fn json_errors_are_one_document_on_stdout() {
    let env = Env::new();
    env.ok(&["pack", "create", "demo"]);

    let missing = json_error(&env, &["pack", "show", "dmeo", "--json"], 3);
    assert_eq!(missing["error"]["kind"], "not_found");
    assert_eq!(
        missing["error"]["hint"],
        "did you mean `demo`? `ctx pack list` shows the packs"
    );

    let taken = json_error(&env, &["--json", "pack", "create", "demo"], 4);
    assert_eq!(taken["error"]["kind"], "conflict");
    assert!(taken["error"]["hint"].is_string(), "{taken}");

    let bad_name = json_error(&env, &["pack", "create", "bad name", "--json"], 2);
    assert_eq!(bad_name["error"]["kind"], "usage");
    assert_eq!(bad_name["error"]["hint"], serde_json::Value::Null);
}

#[test]
fn json_parse_errors_are_a_usage_document() {
    let env = Env::new();
    let unknown = json_error(&env, &["pack", "create", "p", "--json", "--bogus"], 2);
    assert_eq!(unknown["error"]["kind"], "usage");
    assert_eq!(
        unknown["error"]["message"],
        "unexpected argument '--bogus' found"
    );
    assert!(unknown["error"]["hint"].is_string(), "{unknown}");
    let run = env.run(&["pack", "create", "p", "--bogus"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    // `--json` after `--` is a value, not the flag.
    let run = env.run(&["pack", "add", "--bogus", "--", "--json"]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}
