//! The help text and the README cannot drift from the command line: every
//! command's `--help` is pinned, and the README's command table must name
//! every command clap defines, and nothing else.

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
