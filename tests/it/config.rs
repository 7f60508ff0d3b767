//! Settings: `ctx config show`, the layers a value comes from, the errors
//! a bad file gives, and each limit with the key that raises it.

use crate::common::Env;

/// `config show --json` as key -> (value, origin).
fn shown(env: &Env, args: &[&str]) -> Vec<(String, String, String)> {
    let mut full = vec!["config", "show", "--json"];
    full.extend_from_slice(args);
    env.ok(&full).json()["settings"]
        .as_array()
        .expect("settings")
        .iter()
        .map(|s| {
            let text = |k: &str| s[k].as_str().expect("a string").to_owned();
            (text("key"), text("value"), text("origin"))
        })
        .collect()
}

fn setting(all: &[(String, String, String)], key: &str) -> (String, String) {
    let (_, value, origin) = all.iter().find(|(k, ..)| k == key).expect("the key");
    (value.clone(), origin.clone())
}

fn user_config(env: &Env, text: &str) {
    std::fs::write(env.home.path().join("config.toml"), text).expect("write config");
}

#[test]
fn config_show_lists_every_value_with_its_origin() {
    let env = Env::new();
    insta::assert_snapshot!(env.snap(&["config", "show"]), @r#"
        $ ctx config show
        exit: 0
        --- stdout
        KEY                VALUE       ORIGIN
        budget             128000      default
        tokenizer          o200k       default
        format             markdown    default
        sensitive_add      []          default
        sensitive_remove   []          default
        redact             true        default
        wait               10          default
        max_file_bytes     4194304     default
        max_files          50000       default
        max_artifacts      10000       default
        max_store_bytes    4294967296  default
        max_payload_bytes  67108864    default
        user file: [HOME]/config.toml (none)
        project file: (none)
        --- stderr
        "#);
}

#[test]
fn a_flag_beats_env_beats_project_beats_user_beats_default() {
    let env = Env::new();
    user_config(
        &env,
        "budget = 1000\nformat = \"xml\"\nwait = 2\nmax_files = 9\n",
    );
    env.write("ctx.toml", "[defaults]\nbudget = 2000\nwait = 3\n");
    let mut cmd = env.command(&["config", "show", "--json", "--wait", "5"]);
    cmd.env("CTX_WAIT", "4").env("CTX_MAX_FILES", "8");
    let doc = env.ok_cmd(cmd).json();
    let all: Vec<_> = doc["settings"]
        .as_array()
        .expect("settings")
        .iter()
        .map(|s| {
            (
                s["key"].as_str().expect("key").to_owned(),
                s["value"].as_str().expect("v").to_owned(),
                s["origin"].as_str().expect("o").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        setting(&all, "tokenizer"),
        ("o200k".into(), "default".into())
    );
    assert_eq!(setting(&all, "format"), ("xml".into(), "user_file".into()));
    assert_eq!(
        setting(&all, "budget"),
        ("2000".into(), "project_file".into())
    );
    assert_eq!(setting(&all, "max_files"), ("8".into(), "env".into()));
    assert_eq!(setting(&all, "wait"), ("5".into(), "flag".into()));
    let _ = shown(&env, &[]);
}

#[test]
fn the_config_is_used() {
    let env = Env::new();
    user_config(
        &env,
        "budget = \"32k\"\ntokenizer = \"cl100k\"\nformat = \"plain\"\n",
    );
    env.write("a.md", "hello\n");
    let created = env.ok(&["pack", "create", "p", "a.md", "--json"]).json();
    assert_eq!(created["pack"]["budget"], 32_000);
    assert_eq!(created["pack"]["tokenizer"], "cl100k");
    assert_eq!(env.ok(&["render", "p", "--json"]).json()["format"], "plain");
    assert_eq!(
        env.ok(&["render", "p", "--format", "xml", "--json"]).json()["format"],
        "xml"
    );
}

#[test]
fn an_unknown_key_or_a_bad_value_names_the_file_line_and_key() {
    let env = Env::new();
    user_config(&env, "budget = 1000\ncolour = \"red\"\n");
    let run = env.run(&["pack", "list"]);
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.stderr, @r#"
        error: [HOME]/config.toml:2: `colour`: unknown field `colour`, expected one of `budget`, `tokenizer`, `format`, `sensitive_add`, `sensitive_remove`, `redact`, `wait`, `max_file_bytes`, `max_files`, `max_artifacts`, `max_store_bytes`, `max_payload_bytes`
        hint: fix the file and run the command again; nothing was written
        "#);
    user_config(&env, "");
    env.write("ctx.toml", "[defaults]\n\ntokenizer = \"gpt2\"\n");
    let run = env.run(&["pack", "list"]);
    assert_eq!(run.code, 2);
    insta::assert_snapshot!(run.stderr, @r#"
        error: [PROJECT]/ctx.toml:3: `tokenizer`: unknown tokenizer `gpt2`: expected `o200k` or `cl100k`
        hint: fix the file and run the command again; nothing was written
        "#);
    std::fs::remove_file(env.path("ctx.toml")).expect("rm");
    let mut cmd = env.command(&["pack", "list"]);
    cmd.env("CTX_REDACT", "maybe");
    let out = cmd.output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`CTX_REDACT`"));
}

/// A limit hit: one error line naming it, its value and its key, and no event.
fn refused(env: &Env, args: &[&str], key: &str) -> String {
    let events = env.event_count();
    let run = env.run(args);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains(key), "{}", run.stderr);
    assert_eq!(env.event_count(), events, "nothing is written");
    run.stderr
}

#[test]
fn the_file_size_limit_names_its_key() {
    let env = Env::new();
    user_config(&env, "max_file_bytes = 4\n");
    env.write("a.md", "hello\n");
    env.ok(&["pack", "create", "p"]);
    refused(&env, &["pack", "add", "p", "a.md"], "max_file_bytes");
}

#[test]
fn the_files_per_collection_limit_names_its_key() {
    let env = Env::new();
    user_config(&env, "max_files = 1\n");
    env.write("d/a.md", "a\n");
    env.write("d/b.md", "b\n");
    env.ok(&["pack", "create", "p"]);
    refused(&env, &["pack", "add", "p", "d/"], "max_files");
}

#[test]
fn the_artifacts_per_pack_limit_refuses_the_whole_add() {
    let env = Env::new();
    user_config(&env, "max_artifacts = 2\n");
    env.ok(&["pack", "create", "p", "text:one"]);
    let err = refused(
        &env,
        &["pack", "add", "p", "text:two", "text:three"],
        "max_artifacts",
    );
    insta::assert_snapshot!(err, @r#"
        error: the artifacts in pack `p` would be 3, over the limit of 2 (the `max_artifacts` config key raises it)
        "#);
    assert_eq!(
        env.ok(&["pack", "show", "p", "--json"]).json()["artifact_count"],
        1
    );
}

#[test]
fn the_store_bytes_limit_names_its_key() {
    let env = Env::new();
    user_config(&env, "max_store_bytes = 10\n");
    env.ok(&["pack", "create", "p", "text:12345"]);
    let err = refused(
        &env,
        &["pack", "add", "p", "text:678901"],
        "max_store_bytes",
    );
    insta::assert_snapshot!(err, @r#"
        error: the content bytes in the store would be 11, over the limit of 10 (the `max_store_bytes` config key raises it)
        "#);
}

#[test]
fn the_store_bytes_limit_holds_for_a_refresh_and_new_options() {
    let env = Env::new();
    user_config(&env, "max_store_bytes = 25\n");
    env.write("d/a.md", "0123456789\n");
    env.write("d/b.md", "0123456789\n");
    env.write("grows.md", "small\n");
    env.ok(&["pack", "create", "p", "grows.md", "d/", "--exclude", "b.md"]);
    let events = env.event_count();

    env.write("grows.md", "this file grew well past the store's limit\n");
    refused(&env, &["pack", "refresh", "p"], "max_store_bytes");
    refused(
        &env,
        &["pack", "set", "p", "d/", "--no-exclude"],
        "max_store_bytes",
    );
    assert_eq!(env.event_count(), events, "nothing is written");

    // Content that shrinks is never refused, even over a lowered limit.
    env.write("grows.md", "s\n");
    user_config(&env, "max_store_bytes = 5\n");
    env.ok(&["pack", "refresh", "p"]);
}

#[test]
fn the_payload_limit_writes_nothing() {
    let env = Env::new();
    env.ok(&[
        "pack",
        "create",
        "p",
        "text:a note long enough to pass the limit",
    ]);
    let mut cmd = env.command(&["render", "p", "-o", "out.md"]);
    cmd.env("CTX_MAX_PAYLOAD_BYTES", "20");
    let out = cmd.output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("max_payload_bytes"), "{stderr}");
    assert!(!env.path("out.md").exists(), "no partial output");
    let mut cmd = env.command(&["snapshot", "create", "p"]);
    cmd.env("CTX_MAX_PAYLOAD_BYTES", "20");
    assert_eq!(cmd.output().expect("runs").status.code(), Some(1));
    assert!(
        env.ok(&["snapshot", "list", "--json"]).json()["snapshots"]
            .as_array()
            .expect("list")
            .is_empty()
    );
}

/// The README's config table lists exactly the keys the engine knows.
#[test]
fn the_readme_config_table_names_every_key() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md");
    let listed: Vec<String> = readme
        .lines()
        .skip_while(|l| *l != "### Config reference")
        .skip(1)
        .take_while(|l| !l.starts_with('#'))
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|rest| rest.split_once('`').map(|(key, _)| key.to_owned()))
        .collect();
    let env = Env::new();
    let known: Vec<String> = shown(&env, &[]).into_iter().map(|(k, ..)| k).collect();
    assert_eq!(
        listed, known,
        "the README's config table and the config keys differ"
    );
}

#[test]
fn sensitive_patterns_can_be_added_and_removed() {
    let env = Env::new();
    env.write("notes.secret", "hidden\n");
    env.write(".env.example", "KEY=\n");
    env.write("d/a.secret", "a\n");
    env.write("d/b.md", "b\n");
    user_config(
        &env,
        "sensitive_add = [\"*.secret\"]\nsensitive_remove = [\".env.example\"]\n",
    );
    env.ok(&["pack", "create", "p"]);
    let run = env.run(&["pack", "add", "p", "notes.secret"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("sensitive pattern `*.secret`"),
        "{}",
        run.stderr
    );
    env.ok(&["pack", "add", "p", ".env.example"]);
    let added = env.ok(&["pack", "add", "p", "d/", "--json"]).json();
    assert_eq!(crate::common::paths(&added["files"]), ["d/b.md"]);
    let run = env.run(&["pack", "add", "p", "notes.secret", "--allow-sensitive"]);
    assert_eq!(run.code, 0, "{}", run.stderr);

    user_config(&env, "sensitive_add = [\"a[\"]\n");
    let run = env.run(&["pack", "list"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("config.toml:1: `sensitive_add`"),
        "{}",
        run.stderr
    );
}
