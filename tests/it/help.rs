//! The help text and the README cannot drift from the command line: every
//! command's `--help` is pinned, the README's command table must name
//! every command clap defines, and nothing else, and its JSON section every
//! key a command's `--json` document holds.

use crate::common::Env;

/// Every command path clap defines (`["pack", "add"]`, ...), found by
/// reading the `Commands:` section of each `--help`, parents first.
fn commands(env: &Env) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let mut queue = vec![Vec::<String>::new()];
    while let Some(path) = queue.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let help = env.ok(&args).stdout;
        let children: Vec<String> = help
            .lines()
            .skip_while(|l| *l != "Commands:")
            .skip(1)
            .take_while(|l| l.starts_with("  "))
            .filter_map(|l| l.split_whitespace().next())
            .filter(|name| *name != "help")
            .map(str::to_owned)
            .collect();
        for child in children.into_iter().rev() {
            let mut sub = path.clone();
            sub.push(child);
            queue.push(sub);
        }
        if !path.is_empty() {
            found.push(path);
        }
    }
    found
}

#[test]
fn every_command_has_its_help_pinned() {
    let env = Env::new();
    let mut transcript = env.snap(&["--help"]);
    for path in commands(&env) {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        transcript.push('\n');
        transcript.push_str(&env.snap(&args));
    }
    insta::assert_snapshot!("help", transcript);
}

/// The command paths the README's command table lists, from rows such as
/// ``| `ctx pack add PACK SOURCE [options]` | ... |``.
fn readme_commands() -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md");
    readme
        .lines()
        .filter_map(|l| l.strip_prefix("| `ctx "))
        .map(|rest| {
            rest.split(['`', ' '])
                .take_while(|w| w.chars().all(|c| c.is_ascii_lowercase()) && !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[test]
fn the_readme_command_table_names_every_command() {
    let env = Env::new();
    let defined = commands(&env);
    let listed = readme_commands();
    let parents: Vec<String> = defined
        .iter()
        .filter(|p| {
            defined
                .iter()
                .any(|q| q.len() > p.len() && q.starts_with(p))
        })
        .map(|p| p.join(" "))
        .collect();
    for path in &defined {
        let name = path.join(" ");
        if parents.contains(&name) {
            continue;
        }
        assert!(
            listed.contains(&name),
            "the README's command table does not list `ctx {name}`"
        );
    }
    for name in &listed {
        assert!(
            defined.iter().any(|p| p.join(" ") == *name),
            "the README's command table lists `ctx {name}`, which clap does not define"
        );
    }
}

/// The rows of the README's "JSON output" table: the command as written
/// and the cell listing its keys.
fn readme_json_rows() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md");
    readme
        .lines()
        .skip_while(|l| *l != "## JSON output")
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|rest| rest.split_once("` | "))
        .map(|(command, keys)| (command.to_owned(), keys.to_owned()))
        .collect()
}

/// Each README row's command, run for real, prints no top-level key the
/// row leaves out, and every row is run: the section cannot fall behind
/// the outcomes it documents.
#[test]
fn the_readme_json_section_names_every_key() {
    let env = Env::new();
    env.write("src/main.rs", "fn main() {}\n");
    env.write("docs/guide.md", "# Guide\n");
    let mut seen: Vec<(String, serde_json::Value)> = Vec::new();
    let mut run = |row: &str, args: &[&str]| {
        let mut full = args.to_vec();
        full.push("--json");
        let doc = env.ok(&full).json();
        seen.push((row.to_owned(), doc.clone()));
        doc
    };
    run("ctx pack create NAME", &["pack", "create", "demo"]);
    run(
        "ctx pack add PACK SOURCE...",
        &["pack", "add", "demo", "src/main.rs", "md_dir:docs"],
    );
    run("ctx pack list", &["pack", "list"]);
    run("ctx pack show PACK", &["pack", "show", "demo"]);
    run(
        "ctx pack show PACK --tokens",
        &["pack", "show", "demo", "--tokens"],
    );
    run(
        "ctx pack set PACK --tokens N",
        &["pack", "set", "demo", "--tokens", "5000"],
    );
    run(
        "ctx pack set PACK ARTIFACT --exclude GLOB",
        &["pack", "set", "demo", "md_dir:docs", "--exclude", "old/**"],
    );
    run(
        "ctx pack rename OLD NEW",
        &["pack", "rename", "demo", "app"],
    );
    run(
        "ctx render PACK... --payload",
        &["render", "app", "--payload"],
    );
    let created = run(
        "ctx snapshot create PACK...",
        &["snapshot", "create", "app"],
    );
    let id = created["id"].as_str().expect("id").to_owned();
    run("ctx snapshot list", &["snapshot", "list"]);
    run("ctx snapshot show ID", &["snapshot", "show", &id]);
    run("ctx snapshot render ID", &["snapshot", "render", &id]);
    run(
        "ctx snapshot export ID FILE",
        &["snapshot", "export", &id, "b.ctx"],
    );
    run("ctx snapshot delete ID", &["snapshot", "delete", &id]);
    run("ctx snapshot import FILE", &["snapshot", "import", "b.ctx"]);
    env.write("src/main.rs", "fn main() { changed(); }\n");
    run("ctx snapshot diff A B", &["snapshot", "diff", &id, "app"]);
    run("ctx pack create NAME", &["pack", "create", "tmp"]);
    run(
        "ctx pack remove PACK ARTIFACT",
        &["pack", "remove", "app", "md_dir:docs"],
    );
    run("ctx log", &["log", "-n", "3"]);
    run("ctx undo", &["undo"]);
    run("ctx redo", &["redo"]);
    run("ctx pack delete PACK", &["pack", "delete", "tmp"]);
    run(
        "ctx purge --path PATH",
        &["purge", "--path", "docs/guide.md"],
    );
    run("ctx gc", &["gc"]);
    run("ctx fsck", &["fsck"]);
    run("ctx init", &["init"]);
    std::fs::remove_file(env.path("ctx.toml")).expect("remove ctx.toml");
    run("ctx save", &["save"]);
    env.write("ctx.toml", "[[pack]]\nname = \"fresh\"\n");
    run("ctx sync", &["sync"]);
    run("ctx config show", &["config", "show"]);

    let rows = readme_json_rows();
    for (row, _) in &rows {
        assert!(
            seen.iter().any(|(r, _)| r == row),
            "the README's JSON section lists `{row}`, which this test does not run"
        );
    }
    for (row, doc) in &seen {
        let (_, keys) = rows
            .iter()
            .find(|(r, _)| r == row)
            .unwrap_or_else(|| panic!("the README's JSON section lacks `{row}`"));
        for key in doc.as_object().expect("an object").keys() {
            assert!(
                keys.contains(&format!("`{key}`")) || keys.contains(&format!("`{key} ")),
                "the README's JSON row for `{row}` lacks `{key}`"
            );
        }
    }
}
