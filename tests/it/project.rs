//! The project file: `ctx init`, `ctx save`, `ctx sync`, and `ctx render`
//! of the packs it marks default.

use crate::common::Env;

/// A project with two files and a folder, and a pack over them whose
/// artifacts carry a priority and options.
fn project() -> Env {
    let env = Env::new();
    env.write("README.md", "# Readme\n\nHello.\n");
    env.write("src/main.rs", "fn main() {}\n");
    env.write("src/lib.rs", "pub fn f() {}\n");
    env.write("src/gen.lock", "locked\n");
    env.ok(&["pack", "create", "docs", "--tokens", "8000"]);
    env.ok(&["pack", "add", "docs", "README.md", "--mode", "path"]);
    env.ok(&["pack", "set", "docs", "--fit", "degrade"]);
    env.ok(&[
        "pack",
        "add",
        "docs",
        "src/",
        "--exclude",
        "*.lock",
        "--priority",
        "5",
    ]);
    env.ok(&["pack", "add", "docs", "text:be brief"]);
    env
}

/// `pack show --json` without ids and the seqs that added them, which a
/// fresh store numbers anew.
fn shown(env: &Env, root: &std::path::Path) -> serde_json::Value {
    let mut cmd = env.command(&["pack", "show", "docs", "--json"]);
    cmd.current_dir(root);
    let mut json = env.ok_cmd(cmd).json();
    strip_ids(&mut json);
    json
}

fn strip_ids(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.remove("id");
            map.remove("added");
            map.values_mut().for_each(strip_ids);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_ids),
        _ => {}
    }
}

#[test]
fn save_writes_definitions_in_render_order() {
    let env = project();
    env.ok(&["save"]);
    let text = std::fs::read_to_string(env.path("ctx.toml")).expect("saved");
    insta::assert_snapshot!(text, @r#"
        # ctx project file: pack definitions, never content.
        # `ctx sync` brings your store's packs to it; `ctx save PACK` writes a pack here.

        [[pack]]
        name = "docs"
        root = "."
        tokens = 8000
        tokenizer = "o200k"
        fit = "degrade"

        [[pack.artifact]]
        spec = "src/"
        priority = 5
        exclude = ["*.lock"]

        [[pack.artifact]]
        spec = "README.md"
        mode = "path"

        [[pack.artifact]]
        spec = "text:be brief"
        "#);
}

#[test]
fn save_then_sync_in_a_new_home_gives_the_same_pack_and_render() {
    let env = project();
    env.ok(&["save", "docs"]);
    let before = shown(&env, &env.root());
    let render = env.ok(&["render", "docs"]).stdout;

    let fresh = Env::new();
    let saved = std::fs::read(env.path("ctx.toml")).expect("saved");
    for file in ["README.md", "src/main.rs", "src/lib.rs", "src/gen.lock"] {
        fresh.write(file, std::fs::read(env.path(file)).expect("read"));
    }
    fresh.write("ctx.toml", saved);
    let synced = fresh.ok(&["sync"]);
    assert!(
        synced
            .stdout
            .contains("create pack `docs` with 3 artifacts"),
        "{}",
        synced.stdout
    );
    assert_eq!(shown(&fresh, &fresh.root()), before);
    assert_eq!(fresh.ok(&["render", "docs"]).stdout, render);

    let again = fresh.ok(&["sync"]);
    assert_eq!(again.stdout, "");
    assert_eq!(again.stderr, "Nothing changed.\n");
}

#[test]
fn sync_appends_only_the_differences() {
    let env = project();
    env.ok(&["save"]);
    let text = std::fs::read_to_string(env.path("ctx.toml")).expect("saved");
    let text = text
        .replace("tokens = 8000", "tokens = 9000")
        .replace("priority = 5\n", "priority = 7\n")
        .replace("spec = \"text:be brief\"\n", "spec = \"src/main.rs#L1\"\n");
    env.write("ctx.toml", text);
    let events = env.event_count();

    let plan = env.ok(&["sync", "--dry-run"]);
    insta::assert_snapshot!(plan.stdout, @r#"
        would set the budget of `docs` to 9000 (was 8000)
        would remove `text:be brief` from `docs`
        would add `src/main.rs#L1` to `docs`
        would set the priority of `src/` in `docs` to 7 (was 5)
        "#);
    assert_eq!(env.event_count(), events, "a dry run writes nothing");

    let done = env.ok(&["sync", "--json"]).json();
    assert_eq!(done["changed"], true);
    assert_eq!(done["steps"].as_array().expect("steps").len(), 4);
    assert_eq!(env.event_count(), events + 4);
    assert_eq!(env.ok(&["sync"]).stderr, "Nothing changed.\n");
}

#[test]
fn sync_compares_specs_as_pack_add_stores_them() {
    let env = Env::new();
    env.write("README.md", "# Readme\n");
    env.write("src/main.rs", "fn main() {}\n");
    env.write("src/gen.lock", "locked\n");
    env.write(
        "ctx.toml",
        "[[pack]]\nname = \"hand\"\n\n[[pack.artifact]]\nspec = \"./README.md\"\n\n\
         [[pack.artifact]]\nspec = \"src\"\nexclude = [\"*.lock\"]\n\n\
         [[pack.artifact]]\nspec = \"src/../src/main.rs#L1\"\n",
    );
    let first = env.ok(&["sync"]);
    assert!(
        first.stdout.contains("create pack `hand` with 3 artifacts"),
        "{}",
        first.stdout
    );
    let listed = env.ok(&["pack", "show", "hand", "--json"]).json();
    let specs: Vec<&str> = listed["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .filter_map(|a| a["spec"].as_str())
        .collect();
    assert_eq!(specs, ["README.md", "src/", "src/main.rs#L1"]);
    assert_eq!(env.ok(&["sync"]).stderr, "Nothing changed.\n");
}

#[test]
fn sync_writes_all_its_changes_or_none() {
    let env = project();
    env.ok(&["save"]);
    let text = std::fs::read_to_string(env.path("ctx.toml")).expect("saved");
    // The budget change and the new pack come before the source that
    // cannot be read: none of them may be written.
    let text = text.replace("tokens = 8000", "tokens = 9000")
        + "\n[[pack]]\nname = \"later\"\n\n[[pack.artifact]]\nspec = \"README.md\"\n\n\
           [[pack.artifact]]\nspec = \"missing.md\"\n";
    env.write("ctx.toml", text);
    let events = env.event_count();
    let run = env.run(&["sync"]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("missing.md"), "{}", run.stderr);
    assert_eq!(env.event_count(), events, "nothing is written");
    assert_eq!(
        env.ok(&["pack", "show", "docs", "--json"]).json()["budget"],
        8000
    );
}

#[test]
fn sync_deletes_a_pack_the_file_does_not_name_only_with_prune() {
    let env = project();
    env.ok(&["save"]);
    env.ok(&["pack", "create", "extra"]);
    let kept = env.ok(&["sync"]);
    assert!(
        kept.stderr.contains("`ctx sync --prune` deletes it"),
        "{}",
        kept.stderr
    );
    assert_eq!(
        env.ok(&["pack", "list", "--json"]).json()["packs"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    env.ok(&["sync", "--prune"]);
    assert_eq!(
        env.ok(&["pack", "list", "--json"]).json()["packs"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

#[test]
fn sync_finds_the_file_in_a_folder_above() {
    let env = project();
    env.ok(&["save"]);
    let mut cmd = env.command(&["sync"]);
    cmd.current_dir(env.path("src"));
    assert_eq!(env.ok_cmd(cmd).stderr, "Nothing changed.\n");
}

/// The events in the log, read outside the project: a bad `ctx.toml`
/// (whose `[defaults]` every command reads) refuses every command under it.
fn events_outside(env: &Env) -> usize {
    let mut cmd = env.command(&["log", "--json"]);
    cmd.current_dir(env.home.path());
    let log = env.ok_cmd(cmd).json();
    log["events"].as_array().expect("events").len()
}

/// A bad file is refused with its file, line and key, and writes nothing.
fn refused(text: &str) -> String {
    let env = project();
    let events = env.event_count();
    env.write("ctx.toml", text);
    let run = env.run(&["sync"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(events_outside(&env), events);
    run.stderr
}

#[test]
fn sync_refuses_an_unknown_key() {
    insta::assert_snapshot!(refused("[[pack]]\nname = \"docs\"\ncolour = \"red\"\n"), @r#"
        error: [PROJECT]/ctx.toml:3: `colour`: unknown field `colour`, expected one of `name`, `root`, `tokens`, `tokenizer`, `fit`, `default`, `artifact`
        hint: fix the file and run the command again; nothing was written
        "#);
}

#[test]
fn sync_refuses_a_bad_spec() {
    insta::assert_snapshot!(refused("[[pack]]\nname = \"new\"\n\n[[pack.artifact]]\nspec = \"README.md#L9-L2\"\n"), @r#"
        error: [PROJECT]/ctx.toml:5: `spec`: invalid source: `README.md#L9-L2`: the range ends (line 2) before it starts (line 9)
        hint: fix the file and run the command again; nothing was written
        "#);
}

#[test]
fn sync_refuses_a_pack_defined_twice() {
    insta::assert_snapshot!(refused("[[pack]]\nname = \"new\"\n\n[[pack]]\nname = \"new\"\n"), @r#"
        error: [PROJECT]/ctx.toml:5: `name`: pack `new` is defined twice (first on line 2)
        hint: fix the file and run the command again; nothing was written
        "#);
}

#[test]
fn init_writes_an_example_or_the_packs_named() {
    let env = project();
    let run = env.ok(&["init"]);
    assert!(run.stderr.contains("example pack"), "{}", run.stderr);
    // Every line is a comment: syncing it changes nothing, and keeps the pack.
    assert!(env.ok(&["sync"]).stderr.contains("Nothing changed."));
    let again = env.run(&["init"]);
    assert_eq!(again.code, 4, "{}", again.stderr);

    let other = project();
    other.ok(&["init", "docs"]);
    let text = std::fs::read_to_string(other.path("ctx.toml")).expect("written");
    assert!(text.contains("name = \"docs\""), "{text}");
}

#[test]
fn render_without_packs_renders_the_defaults() {
    let env = project();
    let none = env.run(&["render"]);
    assert_eq!(none.code, 2);
    insta::assert_snapshot!(none.stderr, @r#"
        error: no pack named, and no `ctx.toml` here or above to name default packs
        hint: name the packs (`ctx render PACK`), or mark packs `default = true` in a `ctx.toml` (`ctx init`)
        "#);
    env.ok(&["save"]);
    let unmarked = env.run(&["render"]);
    assert_eq!(unmarked.code, 2);
    assert!(
        unmarked.stderr.contains("marks no pack `default = true`"),
        "{}",
        unmarked.stderr
    );
    let text = std::fs::read_to_string(env.path("ctx.toml")).expect("saved");
    env.write(
        "ctx.toml",
        text.replace(
            "tokenizer = \"o200k\"\n",
            "tokenizer = \"o200k\"\ndefault = true\n",
        ),
    );
    assert_eq!(
        env.ok(&["render"]).stdout,
        env.ok(&["render", "docs"]).stdout
    );
}
